import type { OrderSnapshotRow } from "@edge-saga/contracts/http";
import { describe, expect, it } from "vitest";
import { call, placeOrder, seedProducts } from "./helpers";

/** One page of `GET /admin/snapshot/orders`, as the contract defines it. */
type Page = { orders: OrderSnapshotRow[]; next: string | null };

async function page(query: string): Promise<Page> {
  const res = await call(`/admin/snapshot/orders${query}`);
  expect(res.status).toBe(200);
  return res.json<Page>();
}

describe("GET /admin/snapshot/orders (consistency checker's read of the order service)", () => {
  it("pages through every order with its lines, by id, without skipping or repeating one", async () => {
    await seedProducts([
      { sku: "snap-a", priceCents: 250 },
      { sku: "snap-b", priceCents: 1000 },
    ]);
    const placed = [];
    for (let i = 0; i < 5; i++) {
      placed.push(
        await placeOrder(`snap-c${i}`, [
          { sku: "snap-a", quantity: i + 1 },
          { sku: "snap-b", quantity: 1 },
        ]),
      );
    }
    const seen: Page["orders"] = [];
    let after = "";
    let pages = 0;
    for (;;) {
      const answer = await page(`?limit=2&after=${after}`);
      expect(answer.orders.length).toBeLessThanOrEqual(2);
      seen.push(...answer.orders);
      pages++;
      if (answer.next === null) break;
      after = answer.next;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = seen.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const o of placed) {
      const got = seen.find((s) => s.id === o.id);
      expect(got).toEqual({
        id: o.id,
        customerId: o.customerId,
        status: "PENDING",
        totalCents: o.totalCents,
        pointsRedeemed: 0,
        pointsEarned: 0,
        rejectionReason: null,
        items: [
          { sku: "snap-a", quantity: o.items[0]!.quantity, unitPriceCents: 250 },
          { sku: "snap-b", quantity: 1, unitPriceCents: 1000 },
        ],
      });
    }
    // The default page holds them all (at most 1,000), and says it is the last.
    const all = await page("");
    expect(all.next).toBeNull();
    expect(all.orders.map((o) => o.id)).toEqual(ids);
  });
});
