import type { Order } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { type Ledger, type Snapshot, violations } from "./support/invariants";

// The checker itself, on made-up snapshots: a checker that never fails proves nothing.

const quiet: Snapshot["outbox"][string] = { pending: 0, outboxRows: 3, inboxRows: 3 };

function order(overrides: Partial<Order>): Order {
  return {
    id: "o1",
    customerId: "c1",
    status: "CONFIRMED",
    items: [{ sku: "s1", quantity: 2, unitPriceCents: 1000 }],
    totalCents: 2000,
    pointsRedeemed: 500,
    pointsEarned: 15,
    rejectionReason: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

const ledger: Ledger = { stock: new Map([["s1", 10]]), grants: new Map([["c1", 1000]]) };

function consistent(): Snapshot {
  return {
    outbox: { order: { ...quiet }, inventory: { ...quiet }, rewards: { ...quiet } },
    deadLetters: { order: [], inventory: [], rewards: [] },
    products: new Map([
      ["s1", { sku: "s1", name: "S", priceCents: 1000, available: 8, reserved: 0, sold: 2 }],
    ]),
    orders: new Map([["c1", [order({})]]]),
    accounts: new Map([
      ["c1", { customerId: "c1", balance: 1000 + 15 - 500, reserved: 0, lifetimeEarned: 15 }],
    ]),
    payments: new Map([["o1", { orderId: "o1", status: "CAPTURED", amountCents: 1500 }]]),
  };
}

describe("invariant checker", () => {
  it("passes a consistent snapshot", () => {
    expect(violations(ledger, consistent())).toEqual([]);
  });

  it.each<[string, (s: Snapshot) => void, RegExp]>([
    [
      "a confirmed order not captured",
      (s) => s.payments.set("o1", { orderId: "o1", status: "AUTHORIZED", amountCents: 1500 }),
      /payment AUTHORIZED/,
    ],
    [
      "a payment for another amount than the card pays",
      (s) => s.payments.set("o1", { orderId: "o1", status: "CAPTURED", amountCents: 2000 }),
      /payment of 2000 != 1500/,
    ],
    [
      "a captured payment of a cancelled order",
      (s) => {
        s.orders.set("c1", [order({ status: "CANCELLED", pointsEarned: 0 })]);
      },
      /payment CAPTURED, not VOIDED\/REFUNDED/,
    ],
    [
      "a PENDING order",
      (s) => s.orders.set("c1", [order({ status: "PENDING", pointsEarned: 0 })]),
      /PENDING/,
    ],
    [
      "units not conserved",
      (s) => {
        s.products.get("s1")!.available = 9;
      },
      /!= stock 10/,
    ],
    [
      "units still reserved",
      (s) => {
        s.products.get("s1")!.available = 7;
        s.products.get("s1")!.reserved = 1;
      },
      /reserved 1/,
    ],
    [
      "sold not matching confirmed orders",
      (s) => s.orders.set("c1", [order({ status: "REJECTED", pointsEarned: 0 })]),
      /sold 2 != 0/,
    ],
    [
      "a wrong balance",
      (s) => {
        s.accounts.get("c1")!.balance = 1000;
      },
      /balance 1000/,
    ],
    [
      "points still held",
      (s) => {
        s.accounts.get("c1")!.reserved = 5;
      },
      /reserved 5/,
    ],
    [
      "credits that differ from the orders' pointsEarned",
      (s) => {
        s.accounts.get("c1")!.lifetimeEarned = 30;
      },
      /rewards credited 30/,
    ],
    [
      "a wrong pointsEarned",
      (s) => {
        s.orders.set("c1", [order({ pointsEarned: 20 })]);
        s.accounts.get("c1")!.balance = 520;
      },
      /pointsEarned 20/,
    ],
    [
      "a total not matching its lines",
      (s) => s.orders.set("c1", [order({ totalCents: 2100 })]),
      /totalCents 2100/,
    ],
    [
      "a pending outbox row",
      (s) => {
        s.outbox.rewards!.pending = 1;
      },
      /rewards: 1 outbox rows pending/,
    ],
    [
      "a dead letter",
      (s) => {
        s.deadLetters.order = [{ id: "x" }];
      },
      /order: 1 dead letters/,
    ],
  ])("reports %s", (_, breakIt, expected) => {
    const s = consistent();
    breakIt(s);
    expect(violations(ledger, s).join("\n")).toMatch(expected);
  });
});
