import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Order } from "@edge-saga/contracts";
import { asCustomer } from "@edge-saga/kit-testing";
import { traceOf } from "@edge-saga/shared";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseSagaDeadline } from "../src/domain/deadline";
import worker from "../src/index";
import { runSagaDeadline } from "../src/saga-deadline";
import { count, postOrderOnWritePath, published, seedProducts } from "./helpers";

/**
 * One saga, one trace id (W3C Trace Context), whatever the write path and whoever acts on the
 * order later: OrderPlaced carries the `POST /orders` trace on every path, and a customer's
 * cancel and the saga's deadline continue that trace (read from the order's first outbox row),
 * their log lines included. Integration: the order Worker in the local runtime.
 */

const SAGA_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CANCEL_TRACE = "0af7651916cd43dd8448eb211c80319c";
const parent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;
const DEADLINE = parseSagaDeadline(env.SAGA_DEADLINE_SECONDS) ?? 0;

beforeAll(async () => {
  await seedProducts([{ sku: "st-lamp", priceCents: 1250 }]);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Places an order on `path` with the saga's traceparent; self-read: once the order exists. */
async function placeTraced(path: string, customerId: string): Promise<Order> {
  const body = { customerId, items: [{ sku: "st-lamp", quantity: 1 }], pointsToRedeem: 0 };
  const response = await postOrderOnWritePath(path, customerId, body, {
    traceparent: parent(SAGA_TRACE),
  });
  expect(response.status).toBe(202);
  const order = (await response.json()) as Order;
  await vi.waitFor(
    async () =>
      expect(await count("SELECT COUNT(*) AS n FROM orders WHERE id = ?", order.id)).toBe(1),
    { timeout: 5_000, interval: 25 },
  );
  return order;
}

/** The trace context of the one event of `type` the order service published for `orderId`. */
async function traceOfEvent(orderId: string, type: string) {
  const events = await published({ orderId, type });
  expect(events, `${type} of ${orderId}`).toHaveLength(1);
  return traceOf(events[0]);
}

/** The JSON lines `method` wrote while `run` ran. */
async function linesOf(method: "log" | "warn", run: () => Promise<unknown>) {
  const spy = vi.spyOn(console, method).mockImplementation(() => undefined);
  await run();
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

describe.each(["outbox", "cdc", "self-read"])("WRITE_PATH=%s: one trace id per saga", (path) => {
  it("OrderPlaced carries the request's trace, and a cancel with its own traceparent continues the saga's", async () => {
    const order = await placeTraced(path, `st-${path}`);
    const placed = await traceOfEvent(order.id, "OrderPlaced");
    expect(placed?.traceId).toBe(SAGA_TRACE);

    let traceresponse: string | null = null;
    const lines = await linesOf("log", async () => {
      // At info: the test runtime's level is warn.
      const ctx = createExecutionContext();
      const cancel = await worker.fetch(
        new Request(`http://svc/orders/${order.id}/cancel`, {
          method: "POST",
          headers: { ...asCustomer(order.customerId), traceparent: parent(CANCEL_TRACE) },
        }),
        { ...env, LOG_LEVEL: "info" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(cancel.status).toBe(202);
      traceresponse = cancel.headers.get("traceresponse");
    });
    const cancelled = await traceOfEvent(order.id, "OrderCancelled");
    expect(cancelled?.traceId).toBe(SAGA_TRACE);
    expect(cancelled?.spanId).not.toBe(placed?.spanId);
    // The answer names the trace the cancel continued (the gateway logs its request line there).
    expect(traceresponse).toBe(`00-${SAGA_TRACE}-${cancelled?.spanId}-01`);
    // The cancel's line is in the saga's trace and names the request's trace as a link.
    const line = lines.find((l) => l.msg === "order cancelled" && l.orderId === order.id);
    expect(line).toMatchObject({ traceId: SAGA_TRACE, spanId: cancelled?.spanId });
    expect(line?.links).toEqual([{ traceId: CANCEL_TRACE, spanId: expect.any(String) }]);
  });
});

describe("the saga's deadline", () => {
  it("rejects an order TIMED_OUT in its saga's trace, and says so in a line of that trace", async () => {
    const order = await placeTraced("outbox", "st-deadline");
    const now = Date.parse(order.createdAt) + DEADLINE + 1;
    const lines = await linesOf("warn", () => runSagaDeadline(env, now));
    const rejected = await traceOfEvent(order.id, "OrderRejected");
    expect(rejected?.traceId).toBe(SAGA_TRACE);
    const line = lines.find((l) => l.orderId === order.id);
    expect(line).toMatchObject({
      msg: "saga deadline passed: order rejected TIMED_OUT",
      traceId: SAGA_TRACE,
      spanId: rejected?.spanId,
    });
  });
});
