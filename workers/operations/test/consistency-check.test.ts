import { describe, expect, it } from "vitest";
import { checkConsistency } from "../src/consistency/check";
import type {
  OrderFact,
  RewardOrderFact,
  SystemSnapshot,
  ViewOrderFact,
} from "../src/consistency/snapshot";
import { callWith } from "./helpers";

/**
 * A quiet, consistent system: sku A (received 10) and B (received 5); customer c1 got a grant
 * of 100, confirmed o1 (2 x A at 1000 cents, redeemed 50 -> earned 19) and cancelled o2
 * after its confirmation (1 x B: stock back, points refunded and clawed back); c2's o3 was
 * rejected for stock.
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
    outbox: {
      order: { pending: 0 },
      inventory: { pending: 0 },
      rewards: { pending: 0 },
      view: { pending: 0 },
    },
    deadLetters: { order: [], inventory: [], rewards: [], view: [] },
    // o1's OrderPlaced reached both subscribers; inventory's StockReserved reached order.
    events: {
      order: { published: [{ id: "e-placed-o1", type: "OrderPlaced" }], handled: ["e-stock-o1"] },
      inventory: {
        published: [{ id: "e-stock-o1", type: "StockReserved" }],
        handled: ["e-placed-o1"],
      },
      rewards: { published: [], handled: ["e-placed-o1"] },
      view: { published: [], handled: ["e-placed-o1", "e-stock-o1"] },
    },
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
  return { id, customerId, status, totalCents, pointsRedeemed, pointsEarned, items };
}

function viewRow(...args: Parameters<typeof order>): ViewOrderFact {
  return { ...order(...args), createdAt: "2026-01-01T00:00:00.000Z" };
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
        outboxPending: { order: 0, inventory: 0, rewards: 0, view: 0 },
        deadLetters: { order: 0, inventory: 0, rewards: 0, view: 0 },
        eventsPublished: 2,
        eventsUndelivered: {},
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
    missed.events.view.handled = ["e-placed-o1"];
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
    lost.events.inventory.handled = [];
    expect(found(lost)).toEqual([[5, ["e-placed-o1"]]]);
    expect(checkConsistency(lost).violations[0]?.message).toMatch(/^inventory: 1 published event/);
    expect(checkConsistency(lost).counts.eventsUndelivered).toEqual({ inventory: 1 });

    const deadLettered = consistent();
    deadLettered.events.inventory.handled = [];
    deadLettered.events.rewards.handled = [];
    // Handled by a dead letter counts as handled (the route lists dead-lettered ids too).
    deadLettered.events.rewards.handled = ["e-placed-o1"];
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
    const res = await callWith({ ORDER: orderService, VIEW: viewService }, "/consistency");
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

  it("answers 502 when a service fails to answer a snapshot route", async () => {
    const failing = {
      fetch: async () =>
        Response.json({ error: { code: "INTERNAL", message: "x" } }, { status: 500 }),
    } as unknown as Fetcher;
    const res = await callWith({ REWARDS: failing }, "/consistency");
    expect(res.status).toBe(502);
  });
});
