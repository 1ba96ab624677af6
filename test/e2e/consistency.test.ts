import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { sleep, waitForOrderToExist } from "./support/wait";

interface Report {
  ok: boolean;
  checkedAt: string;
  counts: {
    orders: number;
    viewOrders: number;
    ordersByStatus: Record<string, number>;
    products: number;
    accounts: number;
    outboxPending: Record<string, number>;
    deadLetters: Record<string, number>;
    /** The card processor sandbox's ledger, as the checker read it. */
    ledger: { net: number; confirmedAmount: number; authorizedOpen: number };
    paymentEffectsPending: number;
  };
  violations: { invariant: number; message: string; ids: string[] }[];
}

/** The report once the system is quiet: re-read until ok (or the last one after `timeoutMs`). */
async function quietReport(timeoutMs = 30_000): Promise<Report> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await api.expect<Report>(200, "GET", "/admin/consistency", { admin: true });
    if (answer.body.ok || Date.now() > deadline) return answer.body;
    await sleep(300);
  }
}

// The checker's detection of each broken invariant is unit-tested on hand-made snapshots
// (workers/gateway/test/consistency-check.test.ts): the public API offers no way to break one.
describe("GET /admin/consistency on the live system", () => {
  it("is admin only", async () => {
    expect((await api.request("GET", "/admin/consistency")).status).toBe(401);
    expect(
      (
        await api.request("GET", "/admin/consistency", {
          headers: { authorization: "Bearer not-the-token" },
        })
      ).status,
    ).toBe(403);
  });

  it("sees the whole system and reports it consistent once quiet", async () => {
    const sku = `cons-${Date.now()}`;
    const customer = `cons-c-${Date.now()}`;
    await api.putProduct(sku, { name: "Consistency", priceCents: 1250, stock: 5 });
    await api.grantPoints(customer, 300, "e2e grant");
    const before = await quietReport();
    expect(before.violations).toEqual([]);

    const kept = await api.expect<{ id: string }>(202, "POST", "/orders", {
      body: { customerId: customer, items: [{ sku, quantity: 2 }], pointsToRedeem: 100 },
      as: customer,
    });
    const cancelled = await api.expect<{ id: string }>(202, "POST", "/orders", {
      body: { customerId: customer, items: [{ sku, quantity: 1 }] },
      as: customer,
    });
    await waitForOrderToExist(cancelled.body.id); // at once, but on the self-read path
    await api.expect(202, "POST", `/orders/${cancelled.body.id}/cancel`, { as: customer });

    const report = await quietReport();
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(Date.parse(report.checkedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(report.counts.orders).toBe(before.counts.orders + 2);
    expect(report.counts.ordersByStatus.PENDING ?? 0).toBe(0);
    const none = { order: 0, inventory: 0, rewards: 0, payment: 0, view: 0 };
    expect(report.counts.outboxPending).toEqual(none);
    expect(report.counts.deadLetters).toEqual(none);
    // Checked against the card processor sandbox's own ledger: what it took is what was sold.
    const ledger = report.counts.ledger as {
      net: number;
      confirmedAmount: number;
      authorizedOpen: number;
    };
    expect(ledger.authorizedOpen).toBe(0);
    expect(ledger.net).toBe(ledger.confirmedAmount);
    expect(ledger.net).toBeGreaterThan(0);
    expect(report.counts.paymentEffectsPending).toBe(0);
    // The read model holds exactly the orders (invariant 7 compares each row).
    expect(report.counts.viewOrders).toBe(report.counts.orders);
    expect(report.counts.products).toBeGreaterThanOrEqual(1);
    expect(report.counts.accounts).toBeGreaterThanOrEqual(1);
    expect((await api.getOrder(kept.body.id)).status).toBe("CONFIRMED");
  });
});
