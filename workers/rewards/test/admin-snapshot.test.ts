import { readAllPages } from "@edge-saga/kit-testing";
import { describe, expect, it } from "vitest";
import {
  earnedBy,
  grant,
  inbox,
  newOrder,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  request,
  uniqueId,
} from "./helpers";

const all = <T>(path: string, key: string, limit: number) =>
  readAllPages<T>(request, path, key, limit);

describe("rewards snapshot routes (consistency checker)", () => {
  it("list accounts with ledger total and grants, and per order its hold, award and ledger sums", async () => {
    const customer = uniqueId("snap-c");
    await grant(customer, 500);
    const kept = newOrder(customer, 100, 10_000);
    const cancelled = newOrder(customer, 50, 5_000);
    await inbox(orderPlaced(kept), orderPlaced(cancelled));
    await inbox(orderConfirmed(kept), orderConfirmed(cancelled));
    await inbox(orderCancelled(cancelled, "CONFIRMED"));

    const accounts = await all<{ customerId: string }>("/admin/snapshot/accounts", "accounts", 1);
    const balance = 500 - 100 + earnedBy(kept);
    expect(accounts.find((a) => a.customerId === customer)).toEqual({
      customerId: customer,
      balance,
      reserved: 0,
      lifetimeEarned: earnedBy(kept),
      ledgerTotal: balance,
      grants: 500,
    });

    const orders = await all<{ orderId: string }>("/admin/snapshot/orders", "orders", 1);
    const ids = orders.map((o) => o.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(orders.find((o) => o.orderId === kept.orderId)).toEqual({
      orderId: kept.orderId,
      customerId: customer,
      hold: { points: 100, status: "CAPTURED" },
      award: { points: earnedBy(kept), status: "AWARDED" },
      ledger: {
        REDEEM: { points: -100, entries: 1 },
        EARN: { points: earnedBy(kept), entries: 1 },
      },
    });
    expect(orders.find((o) => o.orderId === cancelled.orderId)).toMatchObject({
      orderId: cancelled.orderId,
      customerId: customer,
      ledger: {
        REDEEM: { points: -50, entries: 1 },
        REFUND: { points: 50, entries: 1 },
        EARN: { points: earnedBy(cancelled), entries: 1 },
        CLAWBACK: { points: -earnedBy(cancelled), entries: 1 },
      },
    });
  });
});
