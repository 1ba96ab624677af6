import { catalog, OrderTrace, type ServiceTrace } from "@edge-saga/contracts";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { CALLER_HEADER } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { composeTrace, unexplainedDeliveries } from "../src/trace/compose";
import { deadLetterCode } from "../src/trace/public-view";
import { call, callWith, type Echo } from "./helpers";

const T0 = Date.UTC(2026, 3, 20, 9, 30);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const empty = (): ServiceTrace => ({ published: [], handled: [], deadLetters: [] });
/** The saga's W3C trace: the placing request's, carried by each event with its own parent span. */
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = (span: string) => `00-${TRACE_ID}-${span.padStart(16, "0")}-01`;

type Lanes = Record<"order" | "inventory" | "rewards" | "payment", ServiceTrace>;

/**
 * A placed-and-confirmed order as the four services saw it; rewards' clock runs behind. The
 * card processor's first answer to the authorization was a 500: made again with its key.
 */
function traces(): Lanes {
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
          traceparent: traceparent("a1"),
        },
        {
          eventId: "e4",
          type: "OrderConfirmed",
          causationId: "e3",
          committedAt: T0 + 40,
          publishedAt: null,
        },
      ],
      handled: [
        handled("e2", "StockReserved", 30),
        handled("e6", "PaymentAuthorized", 36),
        handled("e3", "PointsReserved", 39),
      ],
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
          traceparent: traceparent("b2"),
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
    payment: {
      published: [
        // Committed with the authorization's outcome, in the same batch.
        {
          eventId: "e6",
          type: "PaymentAuthorized",
          causationId: "e1",
          committedAt: T0 + 33,
          publishedAt: T0 + 34,
        },
      ],
      handled: [handled("e1", "OrderPlaced", 15)],
      deadLetters: [],
      effects: [
        {
          key: "payment:o-1:authorize",
          kind: "authorize",
          status: "DONE",
          outcome: '{"ok":true,"intentId":"pi_1","amountCents":100}',
          attempts: 2,
          decidedAt: T0 + 15,
          doneAt: T0 + 33,
          lastError: null,
          calls: [
            {
              key: "payment:o-1:authorize",
              attempt: 1,
              startedAt: T0 + 16,
              ms: 8,
              result: "retry",
              detail: "answered 500: sandbox_injected_error",
            },
            {
              key: "payment:o-1:authorize",
              attempt: 2,
              startedAt: T0 + 26,
              ms: 6,
              result: "done",
              detail: '{"ok":true,"intentId":"pi_1","amountCents":100}',
            },
          ],
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
      "payment:PaymentAuthorized",
      "order:OrderConfirmed",
    ]);
    const [placed, , , , confirmed] = trace.events;
    expect(placed).toEqual({
      eventId: "e1",
      type: "OrderPlaced",
      producer: "order",
      traceId: TRACE_ID,
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
        {
          service: "payment",
          appliedAt: at(15),
          attempts: 1,
          duplicatesDropped: 0,
          lastDuplicateAt: null,
          receipted: true,
          deadLetter: null,
        },
      ],
    });
    // Not published yet: both subscribers are listed, neither has it (nor could receipt it).
    expect(confirmed?.publishedAt).toBeNull();
    expect(confirmed?.deliveries.map((d) => [d.service, d.appliedAt, d.receipted])).toEqual([
      ["inventory", null, false],
      ["rewards", null, false],
      ["payment", null, false],
    ]);
  });

  it("shows the payment lane's card processor calls, each with its attempts", () => {
    const payment = { status: "CAPTURED" as const, amountCents: 100 };
    const trace = composeTrace(
      { id: "o-1", status: "CONFIRMED" },
      traces(),
      catalog.subscribersOf,
      payment,
    );
    expect(OrderTrace.parse(trace)).toEqual(trace);
    expect(trace.payment).toEqual(payment);
    expect(trace.effects).toEqual([
      {
        service: "payment",
        kind: "authorize",
        key: "payment:o-1:authorize",
        status: "DONE",
        outcome: { ok: true, intentId: "pi_1", amountCents: 100 },
        attempts: 2,
        decidedAt: at(15),
        doneAt: at(33),
        lastError: null,
        // The event committed with the outcome reports it.
        reportedBy: "e6",
        calls: [
          {
            attempt: 1,
            at: at(16),
            ms: 8,
            result: "retry",
            detail: "answered 500: sandbox_injected_error",
          },
          {
            attempt: 2,
            at: at(26),
            ms: 6,
            result: "done",
            detail: '{"ok":true,"intentId":"pi_1","amountCents":100}',
          },
        ],
      },
    ]);
    // A call still without an answer: PENDING, no outcome, no event reporting it yet.
    const t = traces();
    t.payment.effects = [
      {
        key: "payment:o-1:capture",
        kind: "capture",
        status: "PENDING",
        outcome: null,
        attempts: 1,
        decidedAt: T0 + 50,
        doneAt: null,
        lastError: "no answer within 5000 ms",
        calls: [
          {
            key: "payment:o-1:capture",
            attempt: 1,
            startedAt: T0 + 51,
            ms: 5000,
            result: "retry",
            detail: "no answer within 5000 ms",
          },
        ],
      },
    ];
    const [pending] = composeTrace(
      { id: "o-1", status: "CONFIRMED" },
      t,
      catalog.subscribersOf,
    ).effects;
    expect(pending).toMatchObject({
      status: "PENDING",
      outcome: null,
      doneAt: null,
      reportedBy: null,
      lastError: "no answer within 5000 ms",
      calls: [{ attempt: 1, ms: 5000, result: "retry" }],
    });
  });

  it("shows the saga's trace id, and each event's (null for one that carries none)", () => {
    const trace = composeTrace({ id: "o-1", status: "CONFIRMED" }, traces(), catalog.subscribersOf);
    expect(trace.traceId).toBe(TRACE_ID);
    expect(trace.events.map((e) => [e.eventId, e.traceId])).toEqual([
      ["e1", TRACE_ID],
      ["e3", null],
      ["e2", TRACE_ID],
      ["e6", null],
      ["e4", null],
    ]);
  });

  it("asks a subscriber for the dead letter of an event it acknowledged but did not apply", () => {
    const t = traces();
    // Its trace found none by its inbox: a receipt and no apply means it dead-lettered it.
    expect(unexplainedDeliveries(t, catalog.subscribersOf)).toEqual({});
    const first = t.order.published[0] as ServiceTrace["published"][number];
    t.order.published[0] = { ...first, awaitingReceiptFrom: null };
    t.rewards.deadLetters = [];
    expect(unexplainedDeliveries(t, catalog.subscribersOf)).toEqual({ rewards: ["e1"] });
  });

  it.each([
    ["handler failed 6 times: D1_ERROR: no such table: orders", "HANDLER_FAILED"],
    ["invalid OrderPlaced v1 payload: items: required", "INVALID_EVENT"],
    ["unknown event type NoSuchEvent", "UNKNOWN_EVENT_TYPE"],
    ["UNDELIVERABLE: inventory never acknowledged it", "UNDELIVERABLE"],
    ["card_declined: Your card was declined.", "REFUSED"],
    ["something else entirely", "DEAD_LETTERED"],
  ])("shows the public a dead letter's reason %j as the code %s", (reason, code) => {
    expect(deadLetterCode(reason)).toBe(code);
  });

  it("is empty for an order none of whose events is left", () => {
    const none = { order: empty(), inventory: empty(), rewards: empty(), payment: empty() };
    expect(composeTrace({ id: "o-2", status: "PENDING" }, none, catalog.subscribersOf)).toEqual({
      orderId: "o-2",
      status: "PENDING",
      traceId: null,
      timedOut: null,
      events: [],
      payment: null,
      effects: [],
    });
  });

  /** An order that redeems points, rejected by the deadline 60.4 s after it was placed. */
  function timedOutSaga(stockAppliedMs: number): Lanes {
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
      payment: empty(),
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
    // With something left for the card to pay, it waited for the payment service too.
    expect(
      composeTrace({ ...timedOutOrder, totalCents: 500 }, timedOutSaga(30), catalog.subscribersOf)
        .timedOut?.waitingFor,
    ).toEqual(["rewards", "payment"]);
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

/** The customer of order o-1. */
const OWNER = "c-1";

/**
 * A service answering its kit trace route from `trace`, the order route for order o-1 and, as
 * the payment service would, its payment. Its public routes act only for their caller, as the
 * real ones do: o-1 is there for its customer and an operator only; `trusting` answers anyone
 * (a service that forgot to check).
 */
function service(trace: ServiceTrace, { trusting = false } = {}) {
  return {
    fetch: async (input: RequestInfo) => {
      const request = new Request(input);
      const path = new URL(request.url).pathname;
      if (path === "/admin/trace/o-1") return Response.json(trace);
      const caller = request.headers.get(CALLER_HEADER);
      const theirs = trusting || caller === `customer:${OWNER}` || caller === "admin";
      if (path === "/orders/o-1/payment" && theirs)
        return Response.json({ orderId: "o-1", status: "CAPTURED", amountCents: 100 });
      if (path === "/orders/o-1" && theirs)
        return Response.json({
          id: "o-1",
          customerId: OWNER,
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
  const services = (options: { trusting?: boolean } = {}) => {
    const t = traces();
    return {
      ORDER: service(t.order, options),
      INVENTORY: service(t.inventory, options),
      REWARDS: service(t.rewards, options),
      PAYMENT: service(t.payment, options),
    };
  };
  /** The trace as the gateway forwards it for `caller` (the order's customer by default). */
  const traceAs = (
    path = "/orders/o-1/trace",
    caller = asCustomer(OWNER),
    bindings: Parameters<typeof callWith>[0] = services(),
  ) => callWith(bindings, path, caller);

  it("composes the services' traces, without the admin token", async () => {
    const res = await traceAs();
    expect(res.status).toBe(200);
    const trace = OrderTrace.parse(await res.json());
    expect(trace.orderId).toBe("o-1");
    expect(trace.status).toBe("CONFIRMED");
    expect(trace.events.map((e) => e.eventId)).toEqual(["e1", "e3", "e2", "e6", "e4"]);
  });

  it("shows the payment lane: the order's payment and each card processor call", async () => {
    const res = await traceAs();
    const trace = OrderTrace.parse(await res.json());
    expect(trace.payment).toEqual({ status: "CAPTURED", amountCents: 100 });
    expect(trace.effects.map((e) => [e.kind, e.reportedBy, e.calls.map((c) => c.result)])).toEqual([
      ["authorize", "e6", ["retry", "done"]],
    ]);
    // Before the payment service heard of the order (404): no payment yet.
    const silent = {
      fetch: async (input: RequestInfo) => {
        const path = new URL(new Request(input).url).pathname;
        if (path === "/admin/trace/o-1") return Response.json(empty());
        return Response.json({ error: { code: "NOT_FOUND", message: "no" } }, { status: 404 });
      },
    } as unknown as Fetcher;
    const before = await traceAs(undefined, undefined, { ...services(), PAYMENT: silent });
    expect(before.status).toBe(200);
    const early = OrderTrace.parse(await before.json());
    expect([early.payment, early.effects]).toEqual([null, []]);
  });

  it("shows its customer no internal text: dead letters by code, no processor answers or errors", async () => {
    const shown = OrderTrace.parse(await (await traceAs()).json());
    const rewards = shown.events[0]?.deliveries.find((d) => d.service === "rewards");
    expect(rewards?.deadLetter?.reason).toBe("HANDLER_FAILED");
    const [authorize] = shown.effects;
    expect(authorize?.outcome).toBeNull();
    expect(authorize?.calls.map((c) => [c.result, c.detail])).toEqual([
      ["retry", null],
      ["done", null],
    ]);
    expect(JSON.stringify(shown)).not.toMatch(/boom|sandbox_injected_error|pi_1/);
    // The operator's token shows it all.
    const full = OrderTrace.parse(await (await traceAs(undefined, asAdmin())).json());
    const seen = full.events[0]?.deliveries.find((d) => d.service === "rewards");
    expect(seen?.deadLetter?.reason).toBe("handler failed 6 times: boom");
    expect(full.effects[0]?.calls[0]?.detail).toBe("answered 500: sandbox_injected_error");
  });

  it("asks each service once; a second time only for dead letters of events it acknowledged unapplied", async () => {
    const asked: string[] = [];
    const t = traces();
    const first = t.order.published[0] as ServiceTrace["published"][number];
    t.order.published[0] = { ...first, awaitingReceiptFrom: null };
    const deadLetters = t.rewards.deadLetters;
    t.rewards.deadLetters = [];
    const counted = (name: string, trace: ServiceTrace) => {
      const inner = service(trace);
      return {
        fetch: async (input: RequestInfo) => {
          const url = new URL(new Request(input).url);
          asked.push(`${name} ${url.pathname}${url.search}`);
          // Rewards finds the dead letter only when asked for it by event id.
          if (url.search === "?events=e1") return Response.json({ ...trace, deadLetters });
          return inner.fetch(input);
        },
      } as unknown as Fetcher;
    };
    const res = await traceAs(undefined, undefined, {
      ORDER: counted("order", t.order),
      INVENTORY: counted("inventory", t.inventory),
      REWARDS: counted("rewards", t.rewards),
      PAYMENT: counted("payment", t.payment),
    });
    const trace = OrderTrace.parse(await res.json());
    expect(asked.filter((a) => a.includes("/admin/trace/"))).toEqual(
      expect.arrayContaining([
        "order /admin/trace/o-1",
        "inventory /admin/trace/o-1",
        "rewards /admin/trace/o-1",
        "payment /admin/trace/o-1",
        "rewards /admin/trace/o-1?events=e1",
      ]),
    );
    expect(asked.filter((a) => a.includes("/admin/trace/"))).toHaveLength(5);
    const rewards = trace.events[0]?.deliveries.find((d) => d.service === "rewards");
    expect(rewards?.deadLetter?.reason).toBe("HANDLER_FAILED");
  });

  it("answers 404 NOT_FOUND for an order the order service does not know", async () => {
    const res = await traceAs("/orders/o-9/trace");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: "no order o-9" },
    });
  });

  it("asks the order and its payment as the caller the gateway verified", async () => {
    // The stand-ins of vitest.config.ts echo what they were sent: the order does not parse (502).
    const seen: string[] = [];
    const recording = (name: string) => ({
      fetch: async (input: RequestInfo) => {
        const request = new Request(input);
        seen.push(`${name} ${new URL(request.url).pathname} ${request.headers.get(CALLER_HEADER)}`);
        return Response.json({ error: { code: "NOT_FOUND", message: "no" } }, { status: 404 });
      },
    });
    await traceAs(undefined, asCustomer("bob"), {
      ORDER: recording("order"),
      PAYMENT: recording("payment"),
    });
    expect(seen).toEqual(
      expect.arrayContaining([
        "order /orders/o-1 customer:bob",
        "payment /orders/o-1/payment customer:bob",
      ]),
    );
  });

  it("answers another customer's order as an unknown one (404 NOT_FOUND), even when a service forgot to check", async () => {
    const unknown = await (await traceAs("/orders/o-9/trace", asCustomer("bob"))).json();
    for (const bindings of [services(), services({ trusting: true })]) {
      const res = await traceAs("/orders/o-1/trace", asCustomer("bob"), bindings);
      expect(res.status).toBe(404);
      const body = await res.json<{ error: { code: string; message: string } }>();
      expect(body).toEqual({ error: { code: "NOT_FOUND", message: "no order o-1" } });
      expect(body.error.code).toBe((unknown as typeof body).error.code);
    }
  });

  it("answers 401 UNAUTHENTICATED, asking no service, when no verified caller came", async () => {
    let asked = 0;
    const counting = {
      fetch: async () => {
        asked++;
        return Response.json({});
      },
    };
    const res = await traceAs(
      undefined,
      {},
      {
        ORDER: counting,
        INVENTORY: counting,
        REWARDS: counting,
        PAYMENT: counting,
      },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("UNAUTHENTICATED");
    expect(asked).toBe(0);
  });

  it("shows an operator any customer's order", async () => {
    const res = await traceAs(undefined, asAdmin());
    expect(res.status).toBe(200);
    expect(OrderTrace.parse(await res.json()).payment).toEqual({
      status: "CAPTURED",
      amountCents: 100,
    });
  });

  it("answers 502 when a service's trace is not a trace", async () => {
    // The stand-in services of vitest.config.ts echo the request instead.
    const res = await call("/orders/o-1/trace", { headers: asCustomer(OWNER) });
    expect(res.status).toBe(502);
  });
});

describe("GET /admin/stats", () => {
  it("gathers every service's /admin/stats, with the query", async () => {
    const res = await call("/admin/stats?minutes=5");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { services: Record<string, Echo> };
    expect(Object.keys(body.services)).toEqual(["order", "inventory", "rewards", "payment"]);
    for (const [name, echo] of Object.entries(body.services))
      expect(echo).toMatchObject({ service: name, path: "/admin/stats", search: "?minutes=5" });
  });
});
