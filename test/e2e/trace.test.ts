import type { Order } from "@edge-saga/contracts";
import { expectStatus } from "@edge-saga/contracts/client";
import { testLogLevel } from "@edge-saga/kit-testing/log-level";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../scripts/lib/api-client";
import { type LocalStack, startLocalStack } from "../../scripts/lib/local-stack";
import { poll } from "./support/poll";
import { e2eShards } from "./support/shards";

/**
 * `GET /orders/{id}/trace` of a cancelled order on a stack of its own with fault injection on,
 * every relay sending each message twice (`relay.duplicate-delivery` at probability 1): the
 * trace shows every step of the saga, each applied once by each subscriber, and the duplicate
 * each subscriber dropped. The shared stack runs without faults, hence the own stack.
 */

/** The trace as the contract types it (OrderTrace). */
type Trace = Awaited<ReturnType<typeof getTrace>>;
const getTrace = async (id: string) =>
  (await expectStatus(api.orderClient(id).orders[":id"].trace.$get({ param: { id } }), 200)).body;

const SERVICES = ["order", "inventory", "rewards", "payment"] as const;
const PARTICIPANTS = ["inventory", "rewards", "payment"];
/**
 * The saga of a confirmed order with redeemed points and the rest on the card, then cancelled
 * (README's diagram). The capture and the refund are only the view's events: no saga lane.
 */
const STEPS = [
  ["order", "OrderPlaced", PARTICIPANTS],
  ["inventory", "StockReserved", ["order"]],
  ["rewards", "PointsReserved", ["order"]],
  ["payment", "PaymentAuthorized", ["order"]],
  ["order", "OrderConfirmed", PARTICIPANTS],
  ["rewards", "PointsAwarded", ["order"]],
  ["payment", "PaymentCaptured", []],
  ["order", "OrderCancelled", PARTICIPANTS],
  ["payment", "PaymentRefunded", []],
] as const;

/** The trace id the cancel request comes with: not the saga's. */
const CANCEL_TRACE = "0af7651916cd43dd8448eb211c80319c";

const byType = (trace: Trace, id: string | null) =>
  trace.events.find((e) => e.eventId === id)?.type;

let stack: LocalStack;
let api: ApiClient;
beforeAll(async () => {
  stack = await startLocalStack({ faults: true, shards: e2eShards(), logLevel: testLogLevel() });
  api = new ApiClient(stack.baseUrl, stack.adminToken);
  for (const service of SERVICES)
    await api.expect([200, 201, 204], "PUT", `/admin/${service}/faults`, {
      admin: true,
      body: { seed: 7, probabilities: { "relay.duplicate-delivery": 1 } },
    });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

describe("order trace", () => {
  it("shows every step of a cancelled order, each applied once, the duplicates dropped, all in one trace", async () => {
    await api.putProduct("trace-lamp", { name: "Traced lamp", priceCents: 4500, stock: 5 });
    await api.grantPoints("trace-alice", 1000, "e2e grant");
    // The order service prices from its replica of the catalog: retry until the product is there.
    const placed = await poll(
      async () => {
        const answer = await api.placeOrder({
          customerId: "trace-alice",
          items: [{ sku: "trace-lamp", quantity: 2 }],
          pointsToRedeem: 500,
        });
        return answer.status === 202 ? (answer.body as Order) : undefined;
      },
      { what: "the order to be accepted", timeoutMs: 30_000, intervalMs: 200 },
    );
    await poll(
      async () => ((await api.getOrder(placed.id)).status === "CONFIRMED" ? true : undefined),
      { what: "the order to be CONFIRMED", timeoutMs: 30_000, intervalMs: 100 },
    );
    // Cancel once the whole happy path has run (rewards has awarded the points), so the
    // cancellation comes after PointsAwarded and the trace's order is the one below.
    await poll(
      async () => ((await api.getRewards("trace-alice")).lifetimeEarned > 0 ? true : undefined),
      { what: "the points to be awarded", timeoutMs: 30_000, intervalMs: 100 },
    );
    // ... and the card was captured, so the cancel refunds it.
    await poll(
      async () => ((await api.getPayment(placed.id)).status === "CAPTURED" ? true : undefined),
      { what: "the card to be captured", timeoutMs: 30_000, intervalMs: 100 },
    );
    // The cancel comes with a trace of its own (another client's): the saga keeps its one id.
    const cancel = await api.request("POST", `/orders/${placed.id}/cancel`, {
      as: "trace-alice",
      headers: { traceparent: `00-${CANCEL_TRACE}-b7ad6b7169203331-01` },
    });
    expect(cancel.status).toBe(202);

    let last: Trace | undefined;
    const trace = await poll(
      async () => {
        last = await getTrace(placed.id);
        const done =
          last.events.length === STEPS.length &&
          last.events.every((e) =>
            e.deliveries.every((d) => d.appliedAt !== null && d.duplicatesDropped >= 1),
          );
        return done ? last : undefined;
      },
      {
        what: "every event applied and its duplicate dropped by every subscriber",
        timeoutMs: 45_000,
        intervalMs: 250,
        last: () => JSON.stringify(last, null, 1),
      },
    );

    expect(trace).toMatchObject({
      orderId: placed.id,
      status: "CANCELLED",
      payment: { status: "REFUNDED", amountCents: 9000 - 500 },
    });
    // One trace id from POST /orders through every service: the cancel, the effects' events
    // (capture, refund) and the compensation included.
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe(CANCEL_TRACE);
    for (const event of trace.events)
      expect(event.traceId, `${event.producer}:${event.type}`).toBe(trace.traceId);
    // Every step once; the causal order is checked below (answers to one event come either way).
    expect(trace.events.map((e) => `${e.producer}:${e.type}`).sort()).toEqual(
      STEPS.map(([producer, type]) => `${producer}:${type}`).sort(),
    );
    // Each call to the card processor, with its key and what it reported.
    expect(trace.effects.map((e) => [e.kind, e.key, e.status])).toEqual(
      ["authorize", "capture", "refund"].map((k) => [k, `payment:${placed.id}:${k}`, "DONE"]),
    );
    const reported = trace.effects.map((e) => byType(trace, e.reportedBy));
    expect(reported).toEqual(["PaymentAuthorized", "PaymentCaptured", "PaymentRefunded"]);
    for (const effect of trace.effects) expect(effect.calls.at(-1)?.result).toBe("done");
    const byId = new Map(trace.events.map((e) => [e.eventId, e]));
    for (const [index, event] of trace.events.entries()) {
      const step = STEPS.find(([, type]) => type === event.type);
      expect(event.correlationId).toBe(placed.id);
      expect(event.publishedAt).not.toBeNull();
      expect(Date.parse(event.publishedAt!)).toBeGreaterThanOrEqual(Date.parse(event.committedAt));
      // Each event after its cause; OrderPlaced and OrderCancelled come from requests.
      const cause = event.causationId ? byId.get(event.causationId) : undefined;
      if (event.type === "OrderPlaced" || event.type === "OrderCancelled")
        expect(cause).toBeUndefined();
      else expect(trace.events.indexOf(cause!)).toBeLessThan(index);
      expect(event.deliveries.map((d) => d.service).sort()).toEqual([...(step?.[2] ?? [])].sort());
      for (const delivery of event.deliveries) {
        expect(delivery, `${event.type} at ${delivery.service}`).toMatchObject({
          attempts: 1,
          deadLetter: null,
        });
        expect(delivery.duplicatesDropped).toBeGreaterThanOrEqual(1);
        expect(Date.parse(delivery.lastDuplicateAt!)).toBeGreaterThanOrEqual(
          Date.parse(delivery.appliedAt!),
        );
      }
    }
    // Applied once: the stock is back and the points net out.
    expect(await api.getProduct("trace-lamp")).toMatchObject({
      available: 5,
      reserved: 0,
      sold: 0,
    });
    expect(await api.getRewards("trace-alice")).toMatchObject({ balance: 1000, reserved: 0 });
  }, 120_000);

  it("carries the request's traceparent through every service: one trace id on every event", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await api.putProduct("trace-mug", { name: "Traced mug", priceCents: 1200, stock: 5 });
    const placed = await poll(
      async () => {
        const answer = await api.placeOrder(
          { customerId: "trace-bob", items: [{ sku: "trace-mug", quantity: 1 }] },
          { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
        );
        return answer.status === 202 ? (answer.body as Order) : undefined;
      },
      { what: "the order to be accepted", timeoutMs: 30_000, intervalMs: 200 },
    );
    let last: Trace | undefined;
    const trace = await poll(
      async () => {
        last = await getTrace(placed.id);
        const steps = ["OrderPlaced", "StockReserved", "PaymentAuthorized", "OrderConfirmed"];
        const seen = steps.every((type) => last?.events.some((e) => e.type === type));
        return seen && last.status === "CONFIRMED" ? last : undefined;
      },
      {
        what: "the saga to confirm",
        timeoutMs: 30_000,
        intervalMs: 200,
        last: () => JSON.stringify(last),
      },
    );
    expect(trace.traceId).toBe(traceId);
    for (const event of trace.events) expect(event.traceId, event.type).toBe(traceId);
    // Its customer sees no processor answers or call details; the operator does.
    for (const effect of trace.effects) {
      expect(effect.outcome).toBeNull();
      for (const call of effect.calls) expect(call.detail).toBeNull();
    }
    const full = await api.expect<Trace>(200, "GET", `/orders/${placed.id}/trace`, { admin: true });
    expect(full.body.effects.some((e) => e.calls.some((call) => call.detail !== null))).toBe(true);
  }, 60_000);

  it("answers 404 NOT_FOUND for an unknown order", async () => {
    const answer = await api.request("GET", "/orders/no-such-order/trace", { as: "trace-alice" });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("GET /admin/stats shows the duplicates each service absorbed", async () => {
    const { body } = await api.expect<{
      services: Record<string, { totals: { duplicatesAbsorbed: number }; outbox: unknown }>;
    }>(200, "GET", "/admin/stats", { admin: true });
    for (const service of SERVICES)
      expect(body.services[service]?.totals.duplicatesAbsorbed, service).toBeGreaterThan(0);
  });
});
