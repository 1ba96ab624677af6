import { catalog, OrderTrace, type ServiceTrace } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { composeTrace } from "../src/trace/compose";
import { call, callWith, type Echo } from "./helpers";

const T0 = Date.UTC(2026, 3, 20, 9, 30);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const empty = (): ServiceTrace => ({ published: [], handled: [], deadLetters: [] });

/** A placed-and-confirmed order as the three services saw it; rewards' clock runs behind. */
function traces(): Record<"order" | "inventory" | "rewards", ServiceTrace> {
  const handled = (eventId: string, type: string, ms: number, more = {}) => ({
    eventId,
    type,
    appliedAt: T0 + ms,
    attempts: 1,
    duplicatesDropped: 0,
    lastDuplicateAt: null,
    ...more,
  });
  return {
    order: {
      published: [
        {
          eventId: "e1",
          type: "OrderPlaced",
          causationId: "req-1",
          committedAt: T0,
          publishedAt: T0 + 5,
          // Rewards dead-lettered it, but its receipt has not come back: re-sent twice so far.
          awaitingReceiptFrom: '["rewards"]',
          resends: 2,
        },
        {
          eventId: "e4",
          type: "OrderConfirmed",
          causationId: "e3",
          committedAt: T0 + 40,
          publishedAt: null,
        },
      ],
      handled: [handled("e2", "StockReserved", 30), handled("e3", "PointsReserved", 39)],
      deadLetters: [],
    },
    inventory: {
      published: [
        {
          eventId: "e2",
          type: "StockReserved",
          causationId: "e1",
          committedAt: T0 + 20,
          publishedAt: T0 + 25,
        },
      ],
      handled: [
        handled("e1", "OrderPlaced", 20, {
          attempts: 2,
          duplicatesDropped: 1,
          lastDuplicateAt: T0 + 50,
        }),
      ],
      deadLetters: [],
    },
    rewards: {
      published: [
        // Committed "before" the event that caused it: the clocks disagree, causality decides.
        {
          eventId: "e3",
          type: "PointsReserved",
          causationId: "e1",
          committedAt: T0 - 10,
          publishedAt: T0 + 38,
        },
      ],
      handled: [],
      deadLetters: [
        {
          eventId: "e1",
          type: "OrderPlaced",
          reason: "handler failed 6 times: boom",
          attempts: 6,
          receivedAt: T0 + 30,
          resolution: null,
        },
      ],
    },
  };
}

describe("order trace composition", () => {
  it("puts every event after its cause and lists every subscriber's delivery", () => {
    const trace = composeTrace({ id: "o-1", status: "CONFIRMED" }, traces(), catalog.subscribersOf);
    expect(OrderTrace.parse(trace)).toEqual(trace);
    expect(trace.events.map((e) => `${e.producer}:${e.type}`)).toEqual([
      "order:OrderPlaced",
      "rewards:PointsReserved",
      "inventory:StockReserved",
      "order:OrderConfirmed",
    ]);
    const [placed, , , confirmed] = trace.events;
    expect(placed).toEqual({
      eventId: "e1",
      type: "OrderPlaced",
      producer: "order",
      causationId: "req-1",
      correlationId: "o-1",
      committedAt: at(0),
      publishedAt: at(5),
      resends: 2,
      deliveries: [
        {
          service: "inventory",
          appliedAt: at(20),
          attempts: 2,
          duplicatesDropped: 1,
          lastDuplicateAt: at(50),
          receipted: true,
          deadLetter: null,
        },
        {
          service: "rewards",
          appliedAt: null,
          attempts: 0,
          duplicatesDropped: 0,
          lastDuplicateAt: null,
          receipted: false,
          deadLetter: { reason: "handler failed 6 times: boom", at: at(30), resolution: null },
        },
      ],
    });
    // Not published yet: both subscribers are listed, neither has it (nor could receipt it).
    expect(confirmed?.publishedAt).toBeNull();
    expect(confirmed?.deliveries.map((d) => [d.service, d.appliedAt, d.receipted])).toEqual([
      ["inventory", null, false],
      ["rewards", null, false],
    ]);
  });

  it("is empty for an order none of whose events is left", () => {
    const none = { order: empty(), inventory: empty(), rewards: empty() };
    expect(composeTrace({ id: "o-2", status: "PENDING" }, none, catalog.subscribersOf)).toEqual({
      orderId: "o-2",
      status: "PENDING",
      timedOut: null,
      events: [],
    });
  });

  /** An order that redeems points, rejected by the deadline 60.4 s after it was placed. */
  function timedOutSaga(
    stockAppliedMs: number,
  ): Record<"order" | "inventory" | "rewards", ServiceTrace> {
    const t = traces();
    return {
      order: {
        published: [
          t.order.published[0] as ServiceTrace["published"][number],
          {
            eventId: "e5",
            type: "OrderRejected",
            causationId: "saga-deadline:o-1",
            committedAt: T0 + 60_400,
            publishedAt: T0 + 60_405,
          },
        ],
        handled: [
          {
            eventId: "e2",
            type: "StockReserved",
            appliedAt: T0 + stockAppliedMs,
            attempts: 1,
            duplicatesDropped: 0,
            lastDuplicateAt: null,
          },
        ],
        deadLetters: [],
      },
      inventory: t.inventory,
      rewards: empty(),
    };
  }
  const timedOutOrder = {
    id: "o-1",
    status: "REJECTED" as const,
    rejectionReason: "TIMED_OUT",
    pointsRedeemed: 100,
    createdAt: at(0),
    updatedAt: at(60_400),
  };

  it("shows the deadline of a timed-out order and who had not answered by then", () => {
    // Inventory's StockReserved reached the order service after it gave up: counted as missing.
    const late = composeTrace(timedOutOrder, timedOutSaga(61_000), catalog.subscribersOf);
    expect(OrderTrace.parse(late)).toEqual(late);
    expect(late.timedOut).toEqual({
      at: at(60_400),
      afterSeconds: 60.4,
      waitingFor: ["inventory", "rewards"],
    });
    expect(late.events.map((e) => e.type)).toEqual([
      "OrderPlaced",
      "StockReserved",
      "OrderRejected",
    ]);
    // Inventory answered in time, rewards never did.
    expect(
      composeTrace(timedOutOrder, timedOutSaga(30), catalog.subscribersOf).timedOut?.waitingFor,
    ).toEqual(["rewards"]);
    // Without points to redeem the order never waits for rewards.
    expect(
      composeTrace({ ...timedOutOrder, pointsRedeemed: 0 }, timedOutSaga(30), catalog.subscribersOf)
        .timedOut?.waitingFor,
    ).toEqual([]);
  });

  it("has no deadline step for any other outcome", () => {
    for (const order of [
      { ...timedOutOrder, rejectionReason: "OUT_OF_STOCK" },
      { ...timedOutOrder, status: "CONFIRMED" as const, rejectionReason: null },
    ])
      expect(composeTrace(order, timedOutSaga(30), catalog.subscribersOf).timedOut).toBeNull();
  });
});

/** A service answering its kit trace route from `trace`, and the order route for order o-1. */
function service(trace: ServiceTrace) {
  return {
    fetch: async (input: RequestInfo) => {
      const path = new URL(new Request(input).url).pathname;
      if (path === "/admin/trace/o-1") return Response.json(trace);
      if (path === "/orders/o-1")
        return Response.json({
          id: "o-1",
          customerId: "c-1",
          status: "CONFIRMED",
          items: [{ sku: "s-1", quantity: 1, unitPriceCents: 100 }],
          totalCents: 100,
          pointsRedeemed: 0,
          pointsEarned: 1,
          rejectionReason: null,
          createdAt: at(0),
          updatedAt: at(40),
        });
      return Response.json({ error: { code: "NOT_FOUND", message: "no" } }, { status: 404 });
    },
  } as unknown as Fetcher;
}

describe("GET /orders/{id}/trace", () => {
  const services = () => {
    const t = traces();
    return {
      ORDER: service(t.order),
      INVENTORY: service(t.inventory),
      REWARDS: service(t.rewards),
    };
  };

  it("composes the services' traces, without the admin token", async () => {
    const res = await callWith(services(), "/orders/o-1/trace");
    expect(res.status).toBe(200);
    const trace = OrderTrace.parse(await res.json());
    expect(trace.orderId).toBe("o-1");
    expect(trace.status).toBe("CONFIRMED");
    expect(trace.events.map((e) => e.eventId)).toEqual(["e1", "e3", "e2", "e4"]);
  });

  it("answers 404 ORDER_NOT_FOUND for an order the order service does not know", async () => {
    const res = await callWith(services(), "/orders/o-9/trace");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "ORDER_NOT_FOUND", message: "no order o-9" },
    });
  });

  it("answers 502 when a service's trace is not a trace", async () => {
    // The stand-in services of vitest.config.ts echo the request instead.
    const res = await call("/orders/o-1/trace");
    expect(res.status).toBe(502);
  });
});

describe("GET /stats (public: /admin/stats)", () => {
  it("gathers every service's /admin/stats, with the query", async () => {
    const res = await call("/stats?minutes=5");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { services: Record<string, Echo> };
    expect(Object.keys(body.services)).toEqual(["order", "inventory", "rewards"]);
    for (const [name, echo] of Object.entries(body.services))
      expect(echo).toMatchObject({ service: name, path: "/admin/stats", search: "?minutes=5" });
  });
});
