import { shardOf, shardOfId } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { checkConsistency } from "../src/consistency/check";
import type {
  LedgerIntentFact,
  OrderFact,
  RewardOrderFact,
  SystemSnapshot,
  ViewOrderFact,
} from "../src/consistency/snapshot";
import { callWith } from "./helpers";

/**
 * A quiet, consistent system: sku A (received 10) and B (received 5); customer c1 got a grant
 * of 100, confirmed o1 (2 x A at 1000 cents, redeemed 50 -> earned 19, card captured 1950) and
 * cancelled o2 after its confirmation (1 x B: stock back, points refunded and clawed back, the
 * card's 490 captured then refunded); c2's o3 was rejected for stock (its 4500 authorized, then
 * voided).
 */
function consistent(): SystemSnapshot {
  return {
    orders: [
      order("o1", "c1", "CONFIRMED", [{ sku: "A", quantity: 2, unitPriceCents: 1000 }], 50, 19),
      order("o2", "c1", "CANCELLED", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 10, 4),
      {
        ...order("o3", "c2", "REJECTED", [{ sku: "B", quantity: 9, unitPriceCents: 500 }], 0, 0),
        rejectionReason: "OUT_OF_STOCK",
      },
    ],
    products: [
      { sku: "A", available: 8, reserved: 0, sold: 2, received: 10 },
      { sku: "B", available: 5, reserved: 0, sold: 0, received: 5 },
    ],
    reservations: [
      { orderId: "o1", status: "SOLD", lines: [{ sku: "A", quantity: 2 }] },
      { orderId: "o2", status: "CANCELLED", lines: [{ sku: "B", quantity: 1 }] },
      { orderId: "o3", status: "FAILED", lines: [] },
    ],
    accounts: [
      // 100 + 19 - 50
      {
        customerId: "c1",
        balance: 69,
        reserved: 0,
        lifetimeEarned: 19,
        ledgerTotal: 69,
        grants: 100,
      },
    ],
    rewardOrders: [
      {
        orderId: "o1",
        customerId: "c1",
        hold: { points: 50, status: "CAPTURED" },
        award: { points: 19, status: "AWARDED" },
        ledger: { REDEEM: { points: -50, entries: 1 }, EARN: { points: 19, entries: 1 } },
      },
      {
        orderId: "o2",
        customerId: "c1",
        hold: { points: 10, status: "REFUNDED" },
        award: { points: 4, status: "REVOKED" },
        ledger: {
          REDEEM: { points: -10, entries: 1 },
          REFUND: { points: 10, entries: 1 },
          EARN: { points: 4, entries: 1 },
          CLAWBACK: { points: -4, entries: 1 },
        },
      },
    ],
    // The read model agrees with the order service on every order.
    view: [
      viewRow("o1", "c1", "CONFIRMED", [{ sku: "A", quantity: 2, unitPriceCents: 1000 }], 50, 19),
      viewRow("o2", "c1", "CANCELLED", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 10, 4),
      viewRow("o3", "c2", "REJECTED", [{ sku: "B", quantity: 9, unitPriceCents: 500 }], 0, 0),
    ],
    payment: {
      payments: [
        {
          orderId: "o1",
          requested: "CAPTURE",
          status: "CAPTURED",
          amountCents: 1950,
          intentId: "pi_1",
        },
        {
          orderId: "o2",
          requested: "REFUND",
          status: "REFUNDED",
          amountCents: 490,
          intentId: "pi_2",
        },
        { orderId: "o3", requested: "VOID", status: "VOIDED", amountCents: 4500, intentId: "pi_3" },
      ],
      pendingEffects: 0,
    },
    ledger: {
      totals: {
        authorized_open: 0,
        captured: 1950 + 490,
        refunded: 490,
        net: 1950,
        intents: 3,
        declines: 0,
      },
      orders: [
        { order_id: "o1", intents: [intent("pi_1", "succeeded", 1950, { captured: 1950 })] },
        {
          order_id: "o2",
          intents: [intent("pi_2", "succeeded", 490, { captured: 490, refunded: 490 })],
        },
        { order_id: "o3", intents: [intent("pi_3", "canceled", 4500, { voids: 1 })] },
      ],
    },
    outbox: {
      order: { pending: 0 },
      inventory: { pending: 0 },
      rewards: { pending: 0 },
      payment: { pending: 0 },
      view: { pending: 0 },
    },
    deadLetters: { order: [], inventory: [], rewards: [], payment: [], view: [] },
    // o1's OrderPlaced reached every subscriber; inventory's StockReserved reached order.
    events: {
      order: { published: [{ id: "e-placed-o1", type: "OrderPlaced" }], handled: ["e-stock-o1"] },
      inventory: {
        published: [{ id: "e-stock-o1", type: "StockReserved" }],
        handled: ["e-placed-o1"],
      },
      rewards: { published: [], handled: ["e-placed-o1"] },
      payment: { published: [], handled: ["e-placed-o1"] },
      view: { published: [], handled: ["e-placed-o1", "e-stock-o1"] },
    },
  };
}

/** One payment intent at the processor, with the ledger entries its amounts imply. */
function intent(
  id: string,
  status: LedgerIntentFact["status"],
  amount: number,
  done: { captured?: number; refunded?: number; voids?: number } = {},
): LedgerIntentFact {
  return {
    id,
    status,
    amount,
    amount_received: done.captured ?? 0,
    amount_refunded: done.refunded ?? 0,
    captures: done.captured ? 1 : 0,
    refunds: done.refunded ? 1 : 0,
    voids: done.voids ?? 0,
  };
}

function order(
  id: string,
  customerId: string,
  status: string,
  items: OrderFact["items"],
  pointsRedeemed: number,
  pointsEarned: number,
): OrderFact {
  const totalCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
  return {
    id,
    customerId,
    status,
    totalCents,
    pointsRedeemed,
    pointsEarned,
    rejectionReason: null,
    items,
  };
}

/** The view's row of the same order, as its snapshot route answers it. */
function viewRow(...args: Parameters<typeof order>): ViewOrderFact {
  const { items, ...row } = order(...args);
  return {
    ...row,
    status: row.status as ViewOrderFact["status"],
    rejectionReason: null,
    items: items.map((line) => ({ ...line, name: null, currentPriceCents: null })),
    pointsAwarded: null,
    reservation: "PENDING",
    payment: { status: "PENDING", amountCents: null },
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** The violations of `s` as `[invariant, ids]`, for compact assertions. */
function found(s: SystemSnapshot) {
  return checkConsistency(s).violations.map((v) => [v.invariant, v.ids] as const);
}

describe("consistency checker (design.md invariants 1-6, 7: the view)", () => {
  it("reports ok, counts and no violations for a consistent system", () => {
    const report = checkConsistency(consistent(), new Date("2026-01-01T00:00:00Z"));
    expect(report).toEqual({
      ok: true,
      checkedAt: "2026-01-01T00:00:00.000Z",
      counts: {
        orders: 3,
        ordersByStatus: { CONFIRMED: 1, CANCELLED: 1, REJECTED: 1 },
        rejectedByReason: { OUT_OF_STOCK: 1 },
        products: 2,
        reservations: 3,
        accounts: 1,
        rewardOrders: 2,
        viewOrders: 3,
        outboxPending: { order: 0, inventory: 0, rewards: 0, payment: 0, view: 0 },
        deadLetters: { order: 0, inventory: 0, rewards: 0, payment: 0, view: 0 },
        eventsPublished: 2,
        eventsUndelivered: {},
        payments: 3,
        paymentsByStatus: { CAPTURED: 1, REFUNDED: 1, VOIDED: 1 },
        paymentEffectsPending: 0,
        ledger: {
          captured: 2440,
          refunded: 490,
          net: 1950,
          confirmedAmount: 1950,
          authorizedOpen: 0,
          intents: 3,
          declines: 0,
          orders: 3,
        },
      },
      violations: [],
    });
  });

  it("accepts orders rejected TIMED_OUT whose holds were released, and counts them", () => {
    // o4: inventory and rewards answered after the deadline, then released on OrderRejected.
    // o5: OrderPlaced reached them only after OrderRejected: tombstones, nothing ever held.
    const s = consistent();
    const lamp = [{ sku: "A", quantity: 1, unitPriceCents: 1000 }];
    const o4 = order("o4", "c1", "REJECTED", lamp, 30, 0);
    const o5 = order("o5", "c2", "REJECTED", lamp, 0, 0);
    s.orders.push({ ...o4, rejectionReason: "TIMED_OUT" }, { ...o5, rejectionReason: "TIMED_OUT" });
    s.view.push(
      viewRow("o4", "c1", "REJECTED", lamp, 30, 0),
      viewRow("o5", "c2", "REJECTED", lamp, 0, 0),
    );
    s.reservations.push(
      { orderId: "o4", status: "RELEASED", lines: [{ sku: "A", quantity: 1 }] },
      { orderId: "o5", status: "RELEASED", lines: [] },
    );
    s.rewardOrders.push(
      {
        orderId: "o4",
        customerId: "c1",
        hold: { points: 30, status: "RELEASED" },
        award: null,
        ledger: { HOLD: { points: 0, entries: 1 }, RELEASE: { points: 0, entries: 1 } },
      },
      {
        orderId: "o5",
        customerId: "c2",
        hold: { points: 0, status: "RELEASED" },
        award: null,
        ledger: {},
      },
    );
    // o4's card was authorized, then voided; o5's payment is a tombstone (never authorized).
    s.payment?.payments.push(
      { orderId: "o4", requested: "VOID", status: "VOIDED", amountCents: 970, intentId: "pi_4" },
      { orderId: "o5", requested: "CLOSED", status: "VOIDED", amountCents: 0, intentId: null },
    );
    s.ledger?.orders.push({
      order_id: "o4",
      intents: [intent("pi_4", "canceled", 970, { voids: 1 })],
    });
    const report = checkConsistency(s);
    expect(report.violations).toEqual([]);
    expect(report.counts.rejectedByReason).toEqual({ OUT_OF_STOCK: 1, TIMED_OUT: 2 });

    // A timeout excuses no missing compensation: stock or points still held are violations.
    s.reservations[3] = { orderId: "o4", status: "RESERVED", lines: [{ sku: "A", quantity: 1 }] };
    (s.rewardOrders[2] as RewardOrderFact).hold = { points: 30, status: "HELD" };
    expect(found(s)).toEqual([
      [3, ["o4"]],
      [3, ["o4"]],
    ]);
  });

  it("7: a view row that differs from the order service, is missing, or is unknown", () => {
    const s = consistent();
    s.view[0] = { ...(s.view[0] as ViewOrderFact), status: "PENDING", pointsEarned: 0 };
    s.view[1] = { ...(s.view[1] as ViewOrderFact), items: [], createdAt: null };
    s.view.splice(2, 1);
    s.view.push(viewRow("o9", "c9", "PENDING", [], 0, 0));
    const report = checkConsistency(s);
    expect(found(s)).toEqual([
      [7, ["o1", "o2", "o3"]],
      [7, ["o9"]],
    ]);
    expect(report.violations[0]?.message).toBe(
      "3 orders whose view row differs from the order service: o1: status, pointsEarned; o2: createdAt, items; o3: missing",
    );
    // A view that missed an event is also an undelivered event (invariant 5).
    const missed = consistent();
    missed.events.view!.handled = ["e-placed-o1"];
    expect(found(missed)).toEqual([[5, ["e-stock-o1"]]]);
  });

  it("1: an order still PENDING", () => {
    const s = consistent();
    s.orders.push(
      order("o4", "c2", "PENDING", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 0, 0),
    );
    s.view.push(
      viewRow("o4", "c2", "PENDING", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 0, 0),
    );
    const report = checkConsistency(s);
    expect(report.ok).toBe(false);
    expect(found(s)).toEqual([[1, ["o4"]]]);
    expect(report.violations[0]?.message).toMatch(/PENDING/);
  });

  it("2: units not conserved, units still reserved, sold != CONFIRMED quantity", () => {
    const lost = consistent();
    lost.products[0] = { sku: "A", available: 7, reserved: 0, sold: 2, received: 10 };
    expect(found(lost)).toEqual([[2, ["A"]]]);

    const held = consistent();
    held.products[1] = { sku: "B", available: 4, reserved: 1, sold: 0, received: 5 };
    expect(found(held)).toEqual([[2, ["B"]]]);

    const oversold = consistent();
    oversold.products[0] = { sku: "A", available: 7, reserved: 0, sold: 3, received: 10 };
    expect(found(oversold)).toEqual([[2, ["A"]]]);
    expect(checkConsistency(oversold).violations[0]?.message).toMatch(/sold 3 != 2/);
  });

  it("3: negative stock, stock held by a rejected order, a confirmed order whose stock is not sold", () => {
    const negative = consistent();
    negative.products[1] = { sku: "B", available: 6, reserved: 0, sold: -1, received: 5 };
    expect(found(negative)).toContainEqual([3, ["B"]]);

    const heldByRejected = consistent();
    heldByRejected.reservations[2] = {
      orderId: "o3",
      status: "RESERVED",
      lines: [{ sku: "B", quantity: 9 }],
    };
    expect(found(heldByRejected)).toEqual([[3, ["o3"]]]);

    const notSold = consistent();
    notSold.reservations[0] = {
      orderId: "o1",
      status: "RELEASED",
      lines: [{ sku: "A", quantity: 2 }],
    };
    expect(found(notSold)).toEqual([[3, ["o1"]]]);

    const pointsHeld = consistent();
    pointsHeld.rewardOrders.push({
      orderId: "o3",
      customerId: "c2",
      hold: { points: 5, status: "HELD" },
      award: null,
      ledger: {},
    });
    expect(found(pointsHeld)).toEqual([[3, ["o3"]]]);
  });

  it("4: balance != grants + earned - redeemed, points still reserved, credited != pointsEarned", () => {
    const balance = consistent();
    balance.accounts[0] = { ...balance.accounts[0]!, balance: 70, ledgerTotal: 70 };
    expect(found(balance)).toEqual([[4, ["c1"]]]);

    const reserved = consistent();
    reserved.accounts[0] = { ...reserved.accounts[0]!, reserved: 10 };
    expect(found(reserved)).toEqual([[4, ["c1"]]]);

    // Rewards never clawed back o2's points after the cancel: credited 4 for a CANCELLED order.
    const noClawback = consistent();
    noClawback.rewardOrders[1]!.ledger.CLAWBACK = { points: 0, entries: 0 };
    expect(found(noClawback)).toEqual([[4, ["o2"]]]);

    // The order says 19 earned, rewards credited 20 (and its ledger and account agree with it).
    const credited = consistent();
    credited.rewardOrders[0]!.ledger.EARN = { points: 20, entries: 1 };
    expect(found(credited)).toContainEqual([4, ["o1"]]);

    const wrongEarn = consistent();
    wrongEarn.orders[0] = { ...wrongEarn.orders[0]!, pointsEarned: 18 };
    wrongEarn.view[0] = { ...wrongEarn.view[0]!, pointsEarned: 18 };
    wrongEarn.rewardOrders[0]!.ledger.EARN = { points: 18, entries: 1 };
    wrongEarn.accounts[0] = {
      ...wrongEarn.accounts[0]!,
      balance: 68,
      ledgerTotal: 68,
      lifetimeEarned: 18,
    };
    expect(found(wrongEarn)).toEqual([[4, ["o1"]]]);
    expect(checkConsistency(wrongEarn).violations[0]?.message).toMatch(/floor/);
  });

  it("5: outbox rows not published and unresolved dead letters, with their event ids", () => {
    const s = consistent();
    s.outbox.rewards = { pending: 3 };
    s.deadLetters.order = [
      { id: "d1", eventId: "ev-1", eventType: "StockReserved", reason: "boom", resolvedAt: null },
      { id: "d2", eventId: "ev-2", eventType: "StockReserved", reason: "old", resolvedAt: 5 },
    ];
    expect(found(s)).toEqual([
      [5, ["rewards"]],
      [5, ["ev-1"]],
    ]);
  });

  it("5: a published event one subscriber never applied nor dead-lettered (lost)", () => {
    const lost = consistent();
    lost.events.inventory!.handled = [];
    expect(found(lost)).toEqual([[5, ["e-placed-o1"]]]);
    expect(checkConsistency(lost).violations[0]?.message).toMatch(/^inventory: 1 published event/);
    expect(checkConsistency(lost).counts.eventsUndelivered).toEqual({ inventory: 1 });

    const deadLettered = consistent();
    deadLettered.events.inventory!.handled = [];
    deadLettered.events.rewards!.handled = [];
    // Handled by a dead letter counts as handled (the route lists dead-lettered ids too).
    deadLettered.events.rewards!.handled = ["e-placed-o1"];
    expect(found(deadLettered)).toEqual([[5, ["e-placed-o1"]]]);
  });

  it("6: an effect applied twice (two EARN entries for one order, a reservation unlike its order)", () => {
    const twice = consistent();
    twice.rewardOrders[0]!.ledger.EARN = { points: 38, entries: 2 };
    twice.accounts[0] = { ...twice.accounts[0]!, balance: 88, ledgerTotal: 88, lifetimeEarned: 38 };
    const v = found(twice);
    expect(v).toContainEqual([6, ["o1"]]);

    const lines = consistent();
    lines.reservations[0] = { orderId: "o1", status: "SOLD", lines: [{ sku: "A", quantity: 4 }] };
    expect(found(lines)).toEqual([[6, ["o1"]]]);
  });

  it("lists every id of a violation kind in one violation", () => {
    const s = consistent();
    for (const id of ["p1", "p2", "p3"]) {
      s.orders.push(
        order(id, "c2", "PENDING", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 0, 0),
      );
      s.view.push(
        viewRow(id, "c2", "PENDING", [{ sku: "B", quantity: 1, unitPriceCents: 500 }], 0, 0),
      );
    }
    expect(found(s)).toEqual([[1, ["p1", "p2", "p3"]]]);
    expect(checkConsistency(s).violations[0]?.message).toMatch(/^3 orders still PENDING/);
  });
});

/**
 * `consistent()` as read from services on two shards each: every row on the shard its key
 * routes to and naming it, each service's outbox per shard.
 */
function onTwoShards(): SystemSnapshot {
  const s = consistent();
  const byId = (id: string) => shardOfId(id, 2);
  s.orders = s.orders.map((o) => ({ ...o, shard: byId(o.id) }));
  s.view = s.view.map((v) => ({ ...v, shard: byId(v.id) }));
  s.products = s.products.map((p) => ({ ...p, shard: shardOf(p.sku, 2) }));
  s.accounts = s.accounts.map((a) => ({ ...a, shard: shardOf(a.customerId, 2) }));
  s.rewardOrders = s.rewardOrders.map((r) => ({ ...r, shard: shardOf(r.customerId ?? "", 2) }));
  if (s.payment)
    s.payment.payments = s.payment.payments.map((p) => ({ ...p, shard: byId(p.orderId) }));
  for (const service of Object.keys(s.outbox) as (keyof typeof s.outbox)[])
    s.outbox[service] = {
      pending: 0,
      shards: [
        { shard: 0, pending: 0 },
        { shard: 1, pending: 0 },
      ],
    };
  return s;
}

/** The violations of `s` as `[invariant, ids, shards]`. */
const foundOnShards = (s: SystemSnapshot) =>
  checkConsistency(s).violations.map((v) => [v.invariant, v.ids, v.shards] as const);

describe("consistency checker on services with several shards (per shard and globally)", () => {
  it("a consistent system on two shards is ok, and its counts say per service and per shard", () => {
    const report = checkConsistency(onTwoShards());
    expect(report.violations).toEqual([]);
    expect(report.counts).toMatchObject({
      shards: { order: 2, inventory: 2, rewards: 2, payment: 2, view: 2 },
      outboxPendingByShard: { "order shard 0": 0, "order shard 1": 0 },
      deadLettersByShard: {},
    });
    // The counts of one database are all still there.
    expect(report.counts.outboxPending).toEqual({
      order: 0,
      inventory: 0,
      rewards: 0,
      payment: 0,
      view: 0,
    });
  });

  it("one inventory shard still holding units: the violation names that shard", () => {
    const s = onTwoShards();
    const b = s.products.find((p) => p.sku === "B")!;
    Object.assign(b, { available: 4, reserved: 1 });
    const shard = shardOf("B", 2);
    expect(foundOnShards(s)).toEqual([[2, ["B"], [{ service: "inventory", shard }]]]);
    expect(checkConsistency(s).violations[0]?.message).toContain(`on inventory shard ${shard}`);
  });

  it("one shard's outbox not drained: invariant 5 names that shard, not the service's others", () => {
    const s = onTwoShards();
    s.outbox.order = {
      pending: 2,
      shards: [
        { shard: 0, pending: 0 },
        { shard: 1, pending: 2 },
      ],
    };
    expect(foundOnShards(s)).toEqual([[5, ["order"], [{ service: "order", shard: 1 }]]]);
    const report = checkConsistency(s);
    expect(report.violations[0]?.message).toBe("order shard 1: 2 outbox rows not published");
    expect(report.counts.outboxPending).toMatchObject({ order: 2 });
    expect(report.counts.outboxPendingByShard).toMatchObject({ "order shard 1": 2 });
  });

  it("a confirmed order spread over two inventory shards, one of which released its lines: named, though the combined status says SOLD", () => {
    const s = onTwoShards();
    s.reservations[0] = {
      orderId: "o1",
      status: "SOLD",
      lines: [{ sku: "A", quantity: 2 }],
      shards: [
        { shard: 0, status: "SOLD", lines: [{ sku: "A", quantity: 2 }] },
        { shard: 1, status: "RELEASED", lines: [] },
      ],
    };
    expect(foundOnShards(s)).toEqual([[3, ["o1"], [{ service: "inventory", shard: 1 }]]]);
  });

  it("unresolved dead letters: one violation per shard holding them", () => {
    const s = onTwoShards();
    s.deadLetters.rewards = [
      {
        id: "s1.d1",
        eventId: "ev-1",
        eventType: "OrderPlaced",
        reason: "boom",
        resolvedAt: null,
        shard: 1,
      },
      {
        id: "d0",
        eventId: "ev-0",
        eventType: "OrderPlaced",
        reason: "old",
        resolvedAt: 5,
        shard: 0,
      },
    ];
    expect(foundOnShards(s)).toEqual([[5, ["ev-1"], [{ service: "rewards", shard: 1 }]]]);
    expect(checkConsistency(s).counts.deadLettersByShard).toEqual({ "rewards shard 1": 1 });
  });

  it("a key on a shard its routing does not name, or on two shards: named where it was found", () => {
    const wrong = onTwoShards();
    const a = wrong.products.find((p) => p.sku === "A")!;
    const home = shardOf("A", 2);
    a.shard = 1 - home;
    expect(foundOnShards(wrong)).toEqual([[2, ["A"], [{ service: "inventory", shard: 1 - home }]]]);
    expect(checkConsistency(wrong).violations[0]?.message).toMatch(
      /SKUs on inventory shards their key does not route to/,
    );

    const twice = onTwoShards();
    const c1 = twice.accounts[0]!;
    twice.accounts.push({ ...c1, shard: 1 - (c1.shard ?? 0) });
    const violation = checkConsistency(twice).violations.find((v) =>
      /more than one/.test(v.message),
    );
    expect(violation).toMatchObject({ invariant: 4, ids: ["c1", "c1"] });
    expect(violation?.shards?.map((r) => r.shard).sort()).toEqual([0, 1]);
  });
});

/** The ledger's totals and the payment of `s` after a change to the processor's books. */
function ledgerOf(s: SystemSnapshot) {
  const ledger = s.ledger;
  if (!ledger) throw new Error("no ledger in the snapshot");
  return ledger;
}
const intentsOf = (s: SystemSnapshot, orderId: string) => {
  const entry = ledgerOf(s).orders.find((o) => o.order_id === orderId);
  if (!entry) throw new Error(`no ledger order ${orderId}`);
  return entry.intents;
};
/** The violations of invariant 7 whose message matches `kind`, as `ids`. */
const idsOf = (s: SystemSnapshot, kind: RegExp) =>
  checkConsistency(s)
    .violations.filter((v) => v.invariant === 7 && kind.test(v.message))
    .map((v) => v.ids);

describe("consistency checker: payments match orders (invariant 7, design.md Payment)", () => {
  it("a double capture: two captures for one CONFIRMED order", () => {
    // The same intent captured twice (what a capture repeated under a new key would do)...
    const twice = consistent();
    Object.assign(intentsOf(twice, "o1")[0]!, { captures: 2, amount_received: 3900 });
    Object.assign(ledgerOf(twice).totals, { captured: 2440 + 1950, net: 1950 * 2 });
    expect(idsOf(twice, /double capture/)).toEqual([["o1"]]);
    expect(checkConsistency(twice).violations.map((v) => v.message)).toContain(
      "1 orders captured more than once at the processor (double capture): o1 (CONFIRMED): 2 captures on 1 intent(s), 3900 received",
    );
    // ... or a second intent authorized and captured too.
    const second = consistent();
    intentsOf(second, "o1").push(intent("pi_1b", "succeeded", 1950, { captured: 1950 }));
    Object.assign(ledgerOf(second).totals, { captured: 2440 + 1950, net: 1950 * 2, intents: 4 });
    expect(idsOf(second, /double capture/)).toEqual([["o1"]]);
    expect(idsOf(second, /ledger net/)).toEqual([["ledger"]]);
  });

  it("a CONFIRMED order not captured, or captured for another amount", () => {
    const held = consistent();
    intentsOf(held, "o1")[0] = intent("pi_1", "requires_capture", 1950);
    Object.assign(ledgerOf(held).totals, { captured: 490, net: 0, authorized_open: 1950 });
    expect(idsOf(held, /CONFIRMED orders not captured/)).toEqual([["o1"]]);
    expect(idsOf(held, /still holding an authorization/)).toEqual([["o1"]]);
    expect(idsOf(held, /still authorized/)).toEqual([["ledger"]]);

    const short = consistent();
    intentsOf(short, "o1")[0] = intent("pi_1", "succeeded", 1950, { captured: 1900 });
    Object.assign(ledgerOf(short).totals, { captured: 2390, net: 1900 });
    expect(idsOf(short, /another amount than their total/)).toEqual([["o1"]]);

    const refunded = consistent();
    intentsOf(refunded, "o1")[0] = intent("pi_1", "succeeded", 1950, {
      captured: 1950,
      refunded: 1950,
    });
    Object.assign(ledgerOf(refunded).totals, { refunded: 490 + 1950, net: 0 });
    expect(idsOf(refunded, /CONFIRMED orders refunded/)).toEqual([["o1"]]);
  });

  it("a capture of a REJECTED order (a capture without a CONFIRMED order)", () => {
    const s = consistent();
    intentsOf(s, "o3")[0] = intent("pi_3", "succeeded", 4500, { captured: 4500 });
    Object.assign(ledgerOf(s).totals, { captured: 2440 + 4500, net: 1950 + 4500 });
    expect(found(s)).toEqual([
      [7, ["ledger"]],
      [7, ["o3"]],
    ]);
    expect(idsOf(s, /REJECTED orders captured at the processor/)).toEqual([["o3"]]);
    // Captured and refunded is still a capture the order never allowed.
    const refunded = consistent();
    intentsOf(refunded, "o3")[0] = intent("pi_3", "succeeded", 4500, {
      captured: 4500,
      refunded: 4500,
    });
    Object.assign(ledgerOf(refunded).totals, { captured: 2440 + 4500, refunded: 490 + 4500 });
    expect(found(refunded)).toEqual([[7, ["o3"]]]);
  });

  it("a held authorization after a rejection", () => {
    const s = consistent();
    intentsOf(s, "o3")[0] = intent("pi_3", "requires_capture", 4500);
    ledgerOf(s).totals.authorized_open = 4500;
    expect(idsOf(s, /REJECTED orders still holding an authorization/)).toEqual([["o3"]]);
    expect(idsOf(s, /still authorized \(held\)/)).toEqual([["ledger"]]);
    expect(found(s)).toHaveLength(2);
  });

  it("a refund without a capture", () => {
    const s = consistent();
    intentsOf(s, "o3")[0] = {
      ...intent("pi_3", "canceled", 4500, { voids: 1 }),
      refunds: 1,
      amount_refunded: 100,
    };
    Object.assign(ledgerOf(s).totals, { refunded: 590, net: 1850 });
    expect(idsOf(s, /refunds without a capture/)).toEqual([["o3"]]);
  });

  it("a CANCELLED order captured but not refunded, refunded twice, or for another amount", () => {
    const missing = consistent();
    intentsOf(missing, "o2")[0] = intent("pi_2", "succeeded", 490, { captured: 490 });
    Object.assign(ledgerOf(missing).totals, { refunded: 0, net: 2440 });
    expect(idsOf(missing, /CANCELLED orders captured but never refunded/)).toEqual([["o2"]]);
    expect(idsOf(missing, /ledger net/)).toEqual([["ledger"]]);

    const twice = consistent();
    Object.assign(intentsOf(twice, "o2")[0]!, { refunds: 2 });
    expect(idsOf(twice, /CANCELLED orders refunded more than once/)).toEqual([["o2"]]);

    const partly = consistent();
    intentsOf(partly, "o2")[0] = intent("pi_2", "succeeded", 490, { captured: 490, refunded: 400 });
    Object.assign(ledgerOf(partly).totals, { refunded: 400, net: 2040 });
    expect(idsOf(partly, /refunded another amount than was captured/)).toEqual([["o2"]]);

    // A cancelled order whose authorization was never released.
    const held = consistent();
    intentsOf(held, "o2")[0] = intent("pi_2", "requires_capture", 490);
    Object.assign(ledgerOf(held).totals, { captured: 1950, refunded: 0, authorized_open: 490 });
    expect(idsOf(held, /CANCELLED orders still holding an authorization/)).toEqual([["o2"]]);
  });

  it("ledger net (captured - refunded) differs from the amount of the CONFIRMED orders", () => {
    const s = consistent();
    Object.assign(ledgerOf(s).totals, { captured: 2439, net: 1949 });
    expect(found(s)).toEqual([[7, ["ledger"]]]);
    expect(checkConsistency(s).violations[0]?.message).toBe(
      "ledger net (captured 2439 - refunded 490 = 1949) != 1950, the amount of the CONFIRMED orders (total less points)",
    );
  });

  it("an order with nothing to pay that reached the processor", () => {
    const s = consistent();
    // o6: points pay all of it (500 - 500); rejected for lack of points.
    const lamp = [{ sku: "B", quantity: 1, unitPriceCents: 500 }];
    s.orders.push({
      ...order("o6", "c2", "REJECTED", lamp, 500, 0),
      rejectionReason: "INSUFFICIENT_POINTS",
    });
    s.view.push(viewRow("o6", "c2", "REJECTED", lamp, 500, 0));
    s.payment?.payments.push({
      orderId: "o6",
      requested: "NOT_REQUIRED",
      status: "NOT_REQUIRED",
      amountCents: 0,
      intentId: null,
    });
    expect(found(s)).toEqual([]);
    ledgerOf(s).orders.push({
      order_id: "o6",
      intents: [intent("pi_6", "canceled", 500, { voids: 1 })],
    });
    ledgerOf(s).totals.intents = 4;
    expect(found(s)).toEqual([[7, ["o6"]]]);
    expect(checkConsistency(s).violations[0]?.message).toMatch(/^1 orders with nothing to pay/);
  });

  it("a payment status unlike the order's outcome, a missing payment, an unknown ledger order", () => {
    const s = consistent();
    s.payment!.payments[0] = { ...s.payment!.payments[0]!, status: "AUTHORIZED" };
    s.payment!.payments.splice(2, 1);
    ledgerOf(s).orders.push({
      order_id: "o9",
      intents: [intent("pi_9", "canceled", 100, { voids: 1 })],
    });
    expect(idsOf(s, /payment status does not match/)).toEqual([["o1"]]);
    // Nothing to pay is NOT_REQUIRED, something to pay never is.
    const notRequired = consistent();
    notRequired.payment!.payments[2] = {
      ...notRequired.payment!.payments[2]!,
      status: "NOT_REQUIRED",
    };
    expect(idsOf(notRequired, /payment status does not match/)).toEqual([["o3"]]);
    expect(idsOf(s, /no payment for/)).toEqual([["o3"]]);
    expect(idsOf(s, /ledger orders the order service does not know/)).toEqual([["o9"]]);

    // The payment service charges another amount than the order's total less its points.
    const amount = consistent();
    amount.payment!.payments[0] = { ...amount.payment!.payments[0]!, amountCents: 2000 };
    expect(found(amount)).toEqual([[7, ["o1"]]]);
    expect(checkConsistency(amount).violations[0]?.message).toBe(
      "1 payments whose amount differs from the order's total less its points: o1: 2000 != 1950",
    );

    const otherIntent = consistent();
    otherIntent.payment!.payments[1] = { ...otherIntent.payment!.payments[1]!, intentId: "pi_x" };
    expect(found(otherIntent)).toEqual([[7, ["o2"]]]);
    expect(idsOf(otherIntent, /intent the processor does not know/)).toEqual([["o2"]]);
  });

  it("card processor calls still without an answer, and the payment service's deliveries", () => {
    const pending = consistent();
    pending.payment!.pendingEffects = 2;
    expect(found(pending)).toEqual([[7, ["payment"]]]);

    const lost = consistent();
    lost.events.payment!.handled = [];
    expect(found(lost)).toEqual([[5, ["e-placed-o1"]]]);
    expect(checkConsistency(lost).violations[0]?.message).toMatch(/^payment: 1 published event/);

    const dead = consistent();
    dead.deadLetters.payment = [
      { id: "d1", eventId: "ev-9", eventType: "OrderConfirmed", reason: "boom", resolvedAt: null },
    ];
    dead.outbox.payment = { pending: 1 };
    expect(found(dead)).toEqual([
      [5, ["payment"]],
      [5, ["ev-9"]],
    ]);
  });

  it("without the processor's ledger (no PSP binding) checks the payments alone and says so", () => {
    const s = consistent();
    s.ledger = null;
    const report = checkConsistency(s);
    expect(report.violations).toEqual([]);
    expect(report.counts.ledger).toMatch(/^not checked/);
    // Without the payment service (no PAYMENT binding) its rows and deliveries are not checked.
    const none = consistent();
    none.payment = null;
    none.ledger = null;
    delete none.events.payment;
    expect(checkConsistency(none).violations).toEqual([]);
    expect(checkConsistency(none).counts.payments).toMatch(/^not checked/);
  });
});

describe("GET /consistency (public: /admin/consistency)", () => {
  it("reads every page of every snapshot route and reports what it found", async () => {
    const seen: string[] = [];
    /** An order service with 3 orders, 2 a page; the last one is still PENDING. */
    const orderService = {
      fetch: async (input: RequestInfo) => {
        const url = new URL(typeof input === "string" ? input : input.url);
        seen.push(url.pathname + url.search);
        if (url.pathname === "/admin/snapshot/orders") {
          const all = ["o1", "o2", "o3"].map((id) => ({
            ...order(id, "c1", id === "o3" ? "PENDING" : "REJECTED", [], 0, 0),
          }));
          const after = url.searchParams.get("after") ?? "";
          const page = all.filter((o) => o.id > after).slice(0, 2);
          return Response.json({ orders: page, next: page.length === 2 ? page[1]!.id : null });
        }
        if (url.pathname === "/admin/outbox") return Response.json({ pending: 0 });
        if (url.pathname === "/admin/dead-letters") return Response.json({ deadLetters: [] });
        if (url.pathname.startsWith("/admin/events/"))
          return Response.json({ events: [], next: null });
        return Response.json({ error: { code: "NOT_FOUND", message: "no" } }, { status: 404 });
      },
    } as unknown as Fetcher;
    // The view holds the same orders (its own stub, so `seen` lists the order service's calls).
    const viewService = {
      fetch: async (input: RequestInfo) => {
        const url = new URL(typeof input === "string" ? input : input.url);
        if (url.pathname !== "/admin/snapshot/orders") return orderService.fetch(input);
        const orders = ["o1", "o2", "o3"].map((id) => ({
          ...order(id, "c1", id === "o3" ? "PENDING" : "REJECTED", [], 0, 0),
          createdAt: "2026-01-01T00:00:00.000Z",
        }));
        return Response.json({ orders, next: null });
      },
    } as unknown as Fetcher;
    // Points paid o1 and o2 (totals of 0): nothing to pay, no call to the processor.
    const paymentService = {
      fetch: async (input: RequestInfo) => {
        const url = new URL(typeof input === "string" ? input : input.url);
        if (url.pathname === "/admin/snapshot/payments")
          return Response.json({
            payments: ["o1", "o2"].map((orderId) => ({
              orderId,
              requested: "NOT_REQUIRED",
              status: "NOT_REQUIRED",
              amountCents: 0,
              intentId: null,
            })),
            next: null,
          });
        if (url.pathname === "/admin/effects") return Response.json({ pending: [], total: 0 });
        return orderService.fetch(input);
      },
    } as unknown as Fetcher;
    const res = await callWith(
      { ORDER: orderService, VIEW: viewService, PAYMENT: paymentService, PSP: ledgerService([]) },
      "/admin/consistency",
    );
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReturnType<typeof checkConsistency>;
    expect(report.ok).toBe(false);
    expect(report.counts.orders).toBe(3);
    expect(report.violations).toEqual([
      { invariant: 1, message: expect.stringMatching(/PENDING/), ids: ["o3"] },
    ]);
    expect(seen.filter((p) => p.startsWith("/admin/snapshot/orders"))).toEqual([
      "/admin/snapshot/orders?limit=1000&after=",
      "/admin/snapshot/orders?limit=1000&after=o2",
    ]);
  });

  it("reads the processor's ledger page by page, with the sandbox's secret", async () => {
    const seen: string[] = [];
    const psp = ledgerService(["x1", "x2", "x3"], seen);
    // The stand-in order service knows no order: every ledger order is one it does not know.
    const res = await callWith({ PSP: psp, PAYMENT: emptyPayments }, "/admin/consistency");
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReturnType<typeof checkConsistency>;
    expect(report.violations).toEqual([
      {
        invariant: 7,
        message: "3 ledger orders the order service does not know",
        ids: ["x1", "x2", "x3"],
      },
    ]);
    expect(report.counts.ledger).toMatchObject({ orders: 3, net: 0 });
    expect(seen).toEqual([
      "/v1/ledger/orders?limit=500 Bearer sk_test_sandbox",
      "/v1/ledger/orders?limit=500&starting_after=x2 Bearer sk_test_sandbox",
    ]);
  });

  it("skips the ledger without a PSP binding (production), and says so", async () => {
    const res = await callWith({ PSP: undefined, PAYMENT: emptyPayments }, "/admin/consistency");
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReturnType<typeof checkConsistency>;
    expect(report.ok).toBe(true);
    expect(report.counts.ledger).toBe(
      "not checked: no PSP binding (the real processor has no ledger API)",
    );
  });

  it("reads an inventory on two shards and names the shard whose SKU still holds units", async () => {
    const sku = "SKU-SHARDED";
    const shard = shardOf(sku, 2);
    const inventory = {
      fetch: async (input: RequestInfo) => {
        const path = new URL(typeof input === "string" ? input : input.url).pathname;
        if (path === "/admin/snapshot/products")
          return Response.json({
            products: [{ sku, available: 4, reserved: 1, sold: 0, received: 5, shard }],
            next: null,
          });
        if (path === "/admin/snapshot/reservations")
          return Response.json({ reservations: [], next: null });
        if (path === "/admin/outbox")
          return Response.json({
            pending: 0,
            shards: [
              { shard: 0, pending: 0 },
              { shard: 1, pending: 0 },
            ],
          });
        return emptyPayments.fetch(input);
      },
    } as unknown as Fetcher;
    const res = await callWith(
      { INVENTORY: inventory, PSP: undefined, PAYMENT: emptyPayments },
      "/admin/consistency",
    );
    expect(res.status).toBe(200);
    const report = (await res.json()) as ReturnType<typeof checkConsistency>;
    expect(report.violations).toEqual([
      {
        invariant: 2,
        message: `1 SKUs with units still reserved (on inventory shard ${shard}): ${sku}: reserved 1`,
        ids: [sku],
        shards: [{ service: "inventory", shard }],
      },
    ]);
    expect(report.counts.shards).toEqual({ inventory: 2 });
  });

  it("answers 502 when the processor's ledger is not a ledger", async () => {
    // The stand-in PSP of vitest.config.ts echoes the request instead.
    const res = await callWith({ PAYMENT: emptyPayments }, "/admin/consistency");
    expect(res.status).toBe(502);
  });

  it("answers 502 when a service fails to answer a snapshot route", async () => {
    const failing = {
      fetch: async () =>
        Response.json({ error: { code: "INTERNAL", message: "x" } }, { status: 500 }),
    } as unknown as Fetcher;
    const res = await callWith({ REWARDS: failing }, "/admin/consistency");
    expect(res.status).toBe(502);
  });
});

/** A payment service with no payments and no effect pending. */
const emptyPayments = {
  fetch: async (input: RequestInfo) => {
    const url = new URL(typeof input === "string" ? input : input.url);
    if (url.pathname === "/admin/snapshot/payments")
      return Response.json({ payments: [], next: null });
    if (url.pathname === "/admin/effects") return Response.json({ pending: [], total: 0 });
    if (url.pathname === "/admin/outbox") return Response.json({ pending: 0 });
    if (url.pathname === "/admin/dead-letters") return Response.json({ deadLetters: [] });
    return Response.json({ events: [], next: null });
  },
} as unknown as Fetcher;

/**
 * The PSP sandbox's ledger routes over `orderIds` (each one declined intent), two orders a page
 * whatever the limit; `seen` gets each page's path and authorization.
 */
function ledgerService(orderIds: string[], seen: string[] = []) {
  return {
    fetch: async (input: RequestInfo) => {
      const request = new Request(input);
      const url = new URL(request.url);
      if (request.headers.get("authorization") !== "Bearer sk_test_sandbox")
        return Response.json({ error: { type: "authentication_error" } }, { status: 401 });
      if (url.pathname === "/v1/ledger")
        return Response.json({
          totals: {
            authorized_open: 0,
            captured: 0,
            refunded: 0,
            net: 0,
            intents: orderIds.length,
            declines: orderIds.length,
          },
          entries: orderIds.length,
        });
      if (url.pathname === "/v1/ledger/orders") {
        seen.push(`${url.pathname}${url.search} ${request.headers.get("authorization")}`);
        const after = url.searchParams.get("starting_after") ?? "";
        const rest = orderIds.filter((id) => id > after);
        const data = rest.slice(0, 2).map((order_id) => ({
          order_id,
          intents: [intent(`pi_${order_id}`, "requires_payment_method", 100)],
        }));
        const hasMore = rest.length > 2;
        return Response.json({
          data,
          has_more: hasMore,
          next: hasMore ? data.at(-1)?.order_id : null,
        });
      }
      return Response.json({ error: { type: "invalid_request_error" } }, { status: 404 });
    },
  } as unknown as Fetcher;
}
