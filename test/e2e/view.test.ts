import type { CustomerOrder, Order } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { ApiClient, UNDER_LOAD } from "../../scripts/lib/api-client";
import { replay } from "../../scripts/lib/replay";
import { api } from "./support/api";
import { Scenario } from "./support/scenario";
import { poll, waitForOrder } from "./support/wait";

/**
 * The fields the view and the order service must agree on. Not createdAt: the view's is when
 * OrderPlaced occurred, a moment after the order service created the row.
 */
const fromOrder = (o: Order) => ({
  id: o.id,
  customerId: o.customerId,
  status: o.status,
  totalCents: o.totalCents,
  pointsRedeemed: o.pointsRedeemed,
  pointsEarned: o.pointsEarned,
  rejectionReason: o.rejectionReason,
  items: o.items.map((l) => [l.sku, l.quantity, l.unitPriceCents]).sort(),
});
const fromView = (o: CustomerOrder) => ({
  ...fromOrder(o as unknown as Order),
  items: o.items.map((l) => [l.sku, l.quantity, l.unitPriceCents]).sort(),
});

async function history(customerId: string): Promise<CustomerOrder[]> {
  return (await api.customerOrders(customerId)).orders;
}

/** Waits until the view shows each customer's orders as the order service does. */
async function viewMatchesOrders(customers: string[]) {
  let last = "";
  await poll(
    async () => {
      for (const customer of customers) {
        const expected = (await api.listOrders(customer)).map(fromOrder);
        const seen = (await history(customer)).map(fromView);
        last = JSON.stringify({ expected, seen });
        if (JSON.stringify(seen) !== JSON.stringify(expected)) return undefined;
      }
      return true;
    },
    { what: "the view to match the order service", timeoutMs: 30_000, last: () => last },
  );
}

describe("view service (read model): GET /customers/{id}/orders", () => {
  it("matches the order service after the saga, and a rebuild by replay gives the same rows", async () => {
    const s = new Scenario("view");
    const lamp = await s.product({ priceCents: 4500, stock: 3, name: "View lamp" });
    const bulb = await s.product({ priceCents: 350, stock: 10, name: "View bulb" });
    const alice = s.customer("alice");
    const bob = s.customer("bob");
    await s.grant(alice, 1000);
    await s.settle();

    const confirmed = await s.placeOrder({
      customerId: alice,
      items: [
        { sku: lamp, quantity: 2 },
        { sku: bulb, quantity: 1 },
      ],
      pointsToRedeem: 500,
    });
    const rejected = await s.placeOrder({ customerId: bob, items: [{ sku: lamp, quantity: 5 }] });
    const cancelled = await s.placeOrder({
      customerId: alice,
      items: [{ sku: bulb, quantity: 2 }],
    });
    await waitForOrder(confirmed.id, "CONFIRMED");
    await waitForOrder(rejected.id, "REJECTED");
    await waitForOrder(cancelled.id, "CONFIRMED");
    expect((await api.cancelOrder(cancelled.id)).status).toBe(202);

    await viewMatchesOrders([alice, bob]);
    // Inventory's, rewards' and payment's events may land after the order's (a refund is a
    // processor call away): wait until all are in, or the rebuild below is compared with a
    // live view that was still moving.
    const finalPayment = new Map([
      [confirmed.id, "CAPTURED"],
      [cancelled.id, "REFUNDED"],
      [rejected.id, "VOIDED"],
    ]);
    let seen = "";
    const settled = await poll(
      async () => {
        const view = { alice: await history(alice), bob: await history(bob) };
        seen = JSON.stringify(view);
        const done =
          view.alice.every((o) => o.pointsAwarded !== null) &&
          view.alice.every((o) => o.reservation !== "PENDING" && o.reservation !== "RESERVED") &&
          view.bob[0]?.reservation === "FAILED" &&
          [...view.alice, ...view.bob].every((o) => o.payment.status === finalPayment.get(o.id));
        return done ? view : undefined;
      },
      { what: "every event in the view", timeoutMs: 30_000, last: () => seen },
    );
    // Joined from every service's events: names, prices, reservation, points awarded.
    expect(settled.alice.find((o) => o.id === confirmed.id)).toMatchObject({
      status: "CONFIRMED",
      reservation: "SOLD",
      pointsEarned: 88,
      pointsAwarded: 88,
    });
    expect(settled.alice.find((o) => o.id === cancelled.id)).toMatchObject({
      status: "CANCELLED",
      reservation: "RELEASED",
    });
    expect(
      settled.alice.find((o) => o.id === confirmed.id)?.items.find((l) => l.sku === lamp),
    ).toMatchObject({ name: "View lamp", currentPriceCents: 4500 });
    expect(settled.bob[0]).toMatchObject({ status: "REJECTED", rejectionReason: "OUT_OF_STOCK" });

    // Rebuild from scratch: empty the view, replay every producer's retained outbox to it.
    const gateway = new ApiClient(api.baseUrl, api.adminToken, UNDER_LOAD);
    const { sent } = await replay(gateway, { to: "view", since: new Date(0), rebuild: true });
    expect(sent.order).toBeGreaterThanOrEqual(7);
    let rebuilt = "";
    await poll(
      async () => {
        rebuilt = JSON.stringify({ alice: await history(alice), bob: await history(bob) });
        return rebuilt === JSON.stringify(settled) || undefined;
      },
      { what: "the rebuilt view to equal the live one", timeoutMs: 60_000, last: () => rebuilt },
    );

    // The checker compares the view with the services too (invariant 7).
    let report: { ok: boolean; violations: unknown[] } = { ok: false, violations: [] };
    await poll(
      async () => {
        report = (
          await api.expect<typeof report>(200, "GET", "/admin/consistency", { admin: true })
        ).body;
        return report.ok || undefined;
      },
      { what: "a consistent system", timeoutMs: 60_000, last: () => JSON.stringify(report) },
    );
    // Longer than its waits together, so a slow run fails naming the wait that ran out.
  }, 240_000);

  it("answers 400 for an invalid customer id or page", async () => {
    // An operator may read any customer: the id itself is what is refused.
    const admin = { admin: true };
    expect((await api.request("GET", "/customers/bad%20id/orders", admin)).status).toBe(400);
    const alice = { as: "alice" };
    expect((await api.request("GET", "/customers/alice/orders?limit=0", alice)).status).toBe(400);
  });
});
