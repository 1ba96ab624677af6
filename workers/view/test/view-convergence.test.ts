import { type Envelope, newId } from "@edge-saga/shared";
import { beforeEach, describe, expect, it } from "vitest";
import {
  deliverAll,
  event,
  history,
  productUpserted,
  rebuild,
  shuffledBatches,
  storedOrders,
} from "./helpers";

const alice = "alice";
const bob = "bob";
// UUIDv7: created in this order, so listed newest first as E, D, C, B, A.
const [A, B, C, D, E] = Array.from({ length: 5 }, () => newId()) as [
  string,
  string,
  string,
  string,
  string,
];

const lamp = { sku: "lamp", quantity: 2, unitPriceCents: 4500 };
const bulb = { sku: "bulb", quantity: 1, unitPriceCents: 350 };

const placed = (orderId: string, customerId: string, items: (typeof lamp)[], points = 0) =>
  event("OrderPlaced", "order", orderId, {
    orderId,
    customerId,
    items,
    totalCents: items.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0),
    pointsToRedeem: points,
  });

/** Every kind of event the view consumes, over five sagas and two products. */
const events: Envelope[] = [
  // The lamp's name changes: the newest (sequence 2) must win whatever arrives last.
  productUpserted("lamp", "Desk lamp", 4500),
  productUpserted("lamp", "Desk lamp XL", 4800, 2),
  // A version 1 body (price without currency): the catalog upcasts it.
  event(
    "ProductUpserted",
    "inventory",
    "bulb",
    { sku: "bulb", name: "LED bulb", priceCents: 350 },
    {
      version: 1,
    },
  ),
  // A: confirmed, awarded, then cancelled.
  placed(A, alice, [lamp, bulb], 500),
  event("StockReserved", "inventory", A, { orderId: A, items: [{ sku: "lamp", quantity: 2 }] }),
  event("OrderConfirmed", "order", A, {
    orderId: A,
    customerId: alice,
    totalCents: 9350,
    pointsRedeemed: 500,
    pointsEarned: 88,
  }),
  event("PointsAwarded", "rewards", A, { orderId: A, customerId: alice, points: 88 }),
  event("OrderCancelled", "order", A, {
    orderId: A,
    customerId: alice,
    previousStatus: "CONFIRMED",
  }),
  // A's card: held, captured on confirmation, refunded on cancel.
  event("PaymentAuthorized", "payment", A, { orderId: A, amountCents: 8850 }),
  event("PaymentCaptured", "payment", A, { orderId: A, amountCents: 8850 }),
  event("PaymentRefunded", "payment", A, { orderId: A, amountCents: 8850 }),
  // B: out of stock.
  placed(B, alice, [bulb]),
  event("StockReservationFailed", "inventory", B, {
    orderId: B,
    reason: "OUT_OF_STOCK",
    skus: ["bulb"],
  }),
  event("OrderRejected", "order", B, { orderId: B, customerId: alice, reason: "OUT_OF_STOCK" }),
  // C: reserved, then rejected for points (released).
  placed(C, bob, [lamp], 100),
  event("StockReserved", "inventory", C, { orderId: C, items: [{ sku: "lamp", quantity: 2 }] }),
  event("OrderRejected", "order", C, {
    orderId: C,
    customerId: bob,
    reason: "INSUFFICIENT_POINTS",
  }),
  event("PaymentAuthorized", "payment", C, { orderId: C, amountCents: 8900 }),
  event("PaymentVoided", "payment", C, { orderId: C, amountCents: 8900 }),
  // D: still pending (only placed).
  placed(D, bob, [bulb]),
  // E: cancelled while pending; inventory's answer comes after.
  placed(E, bob, [lamp]),
  event("OrderCancelled", "order", E, { orderId: E, customerId: bob, previousStatus: "PENDING" }),
  event("StockReserved", "inventory", E, { orderId: E, items: [{ sku: "lamp", quantity: 2 }] }),
  // The card was declined after the customer had cancelled.
  event("PaymentDeclined", "payment", E, {
    orderId: E,
    amountCents: 9000,
    reason: "insufficient_funds",
  }),
];

async function applyShuffled(seed: number) {
  await rebuild();
  for (const batch of shuffledBatches(events, seed, 10)) await deliverAll(batch);
  return {
    rows: await storedOrders(),
    alice: await history(alice),
    bob: await history(bob),
  };
}

describe("view: convergence", () => {
  beforeEach(rebuild);

  it("in commit order, every field is what the events say", async () => {
    await deliverAll(events);
    const { orders } = await history(alice);
    expect(orders.map((o) => o.id)).toEqual([B, A]);
    const a = orders[1];
    expect(a).toMatchObject({
      customerId: alice,
      status: "CANCELLED",
      totalCents: 9350,
      pointsRedeemed: 500,
      pointsEarned: 88,
      pointsAwarded: 88,
      rejectionReason: null,
      reservation: "RELEASED",
      payment: { status: "REFUNDED", amountCents: 8850 },
    });
    expect(a?.items).toEqual([
      { sku: "bulb", name: "LED bulb", quantity: 1, unitPriceCents: 350, currentPriceCents: 350 },
      {
        sku: "lamp",
        name: "Desk lamp XL",
        quantity: 2,
        unitPriceCents: 4500,
        currentPriceCents: 4800,
      },
    ]);
    expect(orders[0]).toMatchObject({
      status: "REJECTED",
      rejectionReason: "OUT_OF_STOCK",
      reservation: "FAILED",
    });
    const bobs = (await history(bob)).orders;
    expect(bobs.map((o) => [o.id, o.status, o.reservation, o.payment])).toEqual([
      [E, "CANCELLED", "RELEASED", { status: "DECLINED", amountCents: 9000 }],
      [D, "PENDING", "PENDING", { status: "PENDING", amountCents: null }],
      [C, "REJECTED", "RELEASED", { status: "VOIDED", amountCents: 8900 }],
    ]);
  });

  it("any delivery order, with duplicates, gives the same rows", async () => {
    await deliverAll(events);
    const reference = {
      rows: await storedOrders(),
      alice: await history(alice),
      bob: await history(bob),
    };
    expect(reference.rows).toHaveLength(5);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      expect(await applyShuffled(seed), `seed ${seed}`).toEqual(reference);
    }
  });

  it("lists an order only once it was placed, and names a product when it arrives", async () => {
    const [lampName, , , placeA, reservedA] = events as [
      Envelope,
      Envelope,
      Envelope,
      Envelope,
      Envelope,
    ];
    await deliverAll([reservedA]);
    expect((await history(alice)).orders).toEqual([]);
    expect((await storedOrders()).map((o) => o.createdAt)).toEqual([null]);
    await deliverAll([placeA]);
    const before = (await history(alice)).orders[0];
    expect(before?.reservation).toBe("RESERVED");
    expect(before?.items.find((l) => l.sku === "lamp")?.name).toBeNull();
    await deliverAll([lampName]);
    const after = (await history(alice)).orders[0];
    expect(after?.items.find((l) => l.sku === "lamp")?.name).toBe("Desk lamp");
  });

  it("pages newest first and refuses a bad id", async () => {
    await deliverAll(events);
    const first = await history(bob, { limit: "2" });
    expect(first.orders.map((o) => o.id)).toEqual([E, D]);
    expect(first.nextCursor).toBe(D);
    const second = await history(bob, { limit: "2", cursor: first.nextCursor ?? undefined });
    expect(second.orders.map((o) => o.id)).toEqual([C]);
    expect(second.nextCursor).toBeNull();
    const { call } = await import("./helpers");
    const bad = await call("/customers/not%20an%20id/orders");
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe("VALIDATION_FAILED");
  });

  it("shows a timed-out order REJECTED TIMED_OUT, its late reservation released, in any arrival order", async () => {
    const F = newId();
    const carol = "carol";
    const saga = [
      placed(F, carol, [lamp]),
      event("OrderRejected", "order", F, { orderId: F, customerId: carol, reason: "TIMED_OUT" }),
      // Inventory's answer reached the order service after its deadline.
      event("StockReserved", "inventory", F, { orderId: F, items: [{ sku: "lamp", quantity: 2 }] }),
    ];
    for (const order of [saga, [...saga].reverse()]) {
      await rebuild();
      for (const e of order) await deliverAll([e]);
      expect((await history(carol)).orders).toMatchObject([
        { id: F, status: "REJECTED", rejectionReason: "TIMED_OUT", reservation: "RELEASED" },
      ]);
    }
  });
});
