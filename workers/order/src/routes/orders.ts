import { type Order, REQUEST_ID_HEADER, type WritePath, writePathOf } from "@edge-saga/contracts";
import { orderRoutes } from "@edge-saga/contracts/http";
import {
  type Caller,
  callerOf,
  contractRoutes,
  customerFor,
  type Envelope,
  formatTraceparent,
  HttpError,
  loggerFor,
  mayActFor,
  newId,
  type OnShard,
  pokeRelay,
  relayStub,
  requestTraceContext,
} from "@edge-saga/shared";
import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { Context } from "hono";
import { cancelOrder } from "../commands/cancel-order";
import {
  type CustomerOrderInput,
  type PlaceOrderOutcome,
  type PricingFailure,
  placeOrder,
} from "../commands/place-order";
import { type PublishOrderRequest, publishOrder } from "../commands/publish-order";
import { type Database, database } from "../db/client";
import { findItems, findOrder, toOrderJson } from "../db/order-store";
import { type OrderRow, orders as ordersTable, orderTransitions } from "../db/tables";
import { MAX_TOTAL_CENTS } from "../domain/pricing";
import { customerShard, orderShard } from "../shard-keys";
import { holdWhilePending } from "../waiting/hold-while-pending";
import { preferredWait, RETRY_AFTER_SECONDS } from "../waiting/prefer-wait";

type AppContext = Context<{ Bindings: Env }>;

/** What the envelope accepts as a causation id; anything else is replaced by a fresh id. */
const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** The gateway's request id becomes the causation id of the events a command emits. */
function requestIdOf(c: AppContext): string {
  const header = c.req.header(REQUEST_ID_HEADER);
  return header && REQUEST_ID_PATTERN.test(header) ? header : newId();
}

/**
 * The bench's unsafe "direct publish" baseline (bench/bench-routes.ts): the order is committed without
 * an outbox row and the baseline sends OrderPlaced itself.
 */
export type DirectPublish = (c: AppContext, event: Envelope) => Promise<void>;

/**
 * `POST /orders`: validated by its contract definition, places the order for the caller (or
 * the customer an admin names; another customer's id is 403 before anything is written) by the
 * service's WRITE_PATH and answers 202, the stored answer again, or the error. A factory so
 * that the bench's routes (its direct-publish baseline, the write paths side by side) answer
 * exactly alike, without a switch in the production route.
 */
export function placeOrderRoute(options: { direct?: DirectPublish; writePath?: WritePath } = {}) {
  const { direct } = options;
  return contractRoutes<{ Bindings: Env }>().openapi(orderRoutes.placeOrder, async (c) => {
    const caller = callerOf(c);
    const body = c.req.valid("json");
    // The customer spelled out, so a body with and without her id is one request for the key.
    const input = { ...body, customerId: customerFor(caller, body.customerId) };
    const request = {
      input,
      key: c.req.valid("header")["Idempotency-Key"],
      cause: requestIdOf(c),
      trace: requestTraceContext(c.req.raw.headers),
    };
    const path = direct ? "caller" : (options.writePath ?? writePathOf(c.env.WRITE_PATH));
    // The customer's shard: her orders, list and keys (scoped `<customer>/<key>`) live there.
    const shard = customerShard(c.env, input.customerId);
    if (path === "self-read") return answerPublished(c, shard, request);
    const outcome = await placeOrder(database(shard), request, { publish: path });
    if (outcome.kind !== "PLACED") return answerUnplaced(outcome, input);
    if (direct && outcome.event) await direct(c, outcome.event);
    // Hands the event just committed to the relay (none on the cdc path: the trigger wrote it).
    else
      c.executionCtx.waitUntil(
        pokeRelay(c.env.OUTBOX_RELAY, outcome.event ? [outcome.event] : [], { shard: shard.SHARD }),
      );
    return c.body(outcome.body, 202, {
      "content-type": "application/json",
      Location: `/orders/${outcome.order.id}`,
      "Retry-After": String(RETRY_AFTER_SECONDS),
    });
  });
}

/**
 * Self-read's answer: 202 once OrderPlaced is on its way. The order exists only once this
 * service consumed its own event, so `GET /orders/{id}` answers 404 until then.
 */
async function answerPublished(
  c: AppContext,
  shard: OnShard<Env>,
  request: PublishOrderRequest,
): Promise<Response> {
  const log = loggerFor(c.env, { service: "order" });
  const outcome = await publishOrder(database(shard), shard, request, log, (event) =>
    relayStub(c.env.OUTBOX_RELAY, shard.SHARD).holdUntilApplied([event]),
  );
  switch (outcome.kind) {
    case "PUBLISHED":
      return c.json(outcome.order, 202, {
        Location: `/orders/${outcome.order.id}`,
        "Retry-After": String(RETRY_AFTER_SECONDS),
      });
    case "NOT_SENT":
      log.error("OrderPlaced could not be published; nothing was placed", {
        reason: outcome.reason,
      });
      throw new HttpError(
        503,
        "PUBLISH_FAILED",
        "the order could not be published; nothing was placed, try again",
      );
    default:
      return answerUnplaced(outcome, request.input);
  }
}

/** The answer to a placement that created nothing: the stored answer again, or the error. */
function answerUnplaced(
  outcome: Exclude<PlaceOrderOutcome, { kind: "PLACED" }>,
  input: CustomerOrderInput,
): Response {
  switch (outcome.kind) {
    case "REPLAY": {
      const { stored } = outcome;
      const headers = new Headers({
        "content-type": "application/json",
        "Idempotent-Replayed": "true",
      });
      if (stored.responseStatus === 202) {
        headers.set("Location", `/orders/${stored.orderId}`);
        headers.set("Retry-After", String(RETRY_AFTER_SECONDS));
      }
      return new Response(stored.responseBody, { status: stored.responseStatus ?? 200, headers });
    }
    case "KEY_REUSED":
      throw new HttpError(
        422,
        "IDEMPOTENCY_KEY_REUSED",
        `Idempotency-Key ${outcome.key} was used with a different request body`,
      );
    case "KEY_IN_FLIGHT":
      throw new HttpError(
        409,
        "IDEMPOTENCY_KEY_IN_FLIGHT",
        `a request with Idempotency-Key ${outcome.key} is still in progress`,
      );
    case "UNPRICEABLE":
      throw pricingError(outcome.failure, input);
  }
}

/** The 422 the client must fix, with the failing fields. */
function pricingError(failure: PricingFailure, input: CustomerOrderInput): HttpError {
  switch (failure.code) {
    case "UNKNOWN_PRODUCT": {
      const skus = input.items.map((item) => item.sku);
      return new HttpError(
        422,
        "UNKNOWN_PRODUCT",
        `unknown products: ${failure.skus.join(", ")}`,
        failure.skus.map((sku) => ({
          path: `items.${skus.indexOf(sku)}.sku`,
          message: `unknown product ${sku}`,
        })),
      );
    }
    case "POINTS_EXCEED_TOTAL":
      return new HttpError(
        422,
        "POINTS_EXCEED_TOTAL",
        `pointsToRedeem ${input.pointsToRedeem} exceeds the order total of ${failure.totalCents} cents`,
        [{ path: "pointsToRedeem", message: `must be at most ${failure.totalCents}` }],
      );
    case "TOTAL_TOO_LARGE":
      return new HttpError(
        422,
        "TOTAL_TOO_LARGE",
        `the order total of ${failure.totalCents} cents exceeds the limit of ${MAX_TOTAL_CENTS}`,
      );
  }
}

const notFound = (id: string) => new HttpError(404, "NOT_FOUND", `no order ${id}`);

/** The order if the caller may see it; another customer's answers as a missing one does. */
async function orderOr404(db: Database, id: string, caller: Caller): Promise<OrderRow> {
  const row = await findOrder(db, id);
  if (!row || !mayActFor(caller, row.customerId)) throw notFound(id);
  return row;
}

/** The order service's public routes, each served from its contract definition. */
export const orders = placeOrderRoute()
  .openapi(orderRoutes.listOrders, async (c) => {
    const query = c.req.valid("query");
    const { cursor, limit } = query;
    const customerId = customerFor(callerOf(c), query.customerId);
    const db = database(customerShard(c.env, customerId));
    const rows = await db
      .select()
      .from(ordersTable)
      .where(
        cursor
          ? and(eq(ordersTable.customerId, customerId), lt(ordersTable.id, cursor))
          : eq(ordersTable.customerId, customerId),
      )
      .orderBy(desc(ordersTable.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const items = await findItems(
      db,
      page.map((row) => row.id),
    );
    const list: Order[] = page.map((row) => toOrderJson(row, items.get(row.id) ?? []));
    return c.json(
      { orders: list, nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null },
      200,
    );
  })
  .openapi(orderRoutes.getOrder, async (c) => {
    const { id } = c.req.valid("param");
    const shard = orderShard(c.env, id);
    const db = database(shard);
    const caller = callerOf(c);
    let row = await orderOr404(db, id, caller);
    const wait = preferredWait(c.req.valid("header").Prefer);
    const headers: Record<string, string> = {};
    if (wait !== null && row.status === "PENDING") {
      let held = true;
      const relay = relayStub(c.env.OUTBOX_RELAY, shard.SHARD);
      row =
        (await holdWhilePending(
          row,
          wait,
          () => findOrder(db, id),
          (timeoutMs, recheck) => relay.waitForEvent(id, timeoutMs, recheck),
          (error) => {
            held = false;
            loggerFor(c.env, { service: "order" }).warn("order wait ended early", {
              error: String(error),
            });
          },
        )) ?? row;
      if (held) headers["Preference-Applied"] = `wait=${wait}`;
    }
    if (row.status === "PENDING") headers["Retry-After"] = String(RETRY_AFTER_SECONDS);
    const items = await findItems(db, [row.id]);
    return c.json(toOrderJson(row, items.get(row.id) ?? []), 200, headers);
  })
  .openapi(orderRoutes.getOrderHistory, async (c) => {
    const { id } = c.req.valid("param");
    const db = database(orderShard(c.env, id));
    const row = await orderOr404(db, id, callerOf(c));
    const transitions = await db
      .select()
      .from(orderTransitions)
      .where(eq(orderTransitions.orderId, row.id))
      .orderBy(asc(orderTransitions.version));
    return c.json(
      {
        orderId: row.id,
        transitions: transitions.map((t) => ({
          version: t.version,
          fromStatus: t.fromStatus,
          toStatus: t.toStatus,
          change: t.change,
          cause: t.cause,
          at: new Date(t.at).toISOString(),
        })),
      },
      200,
    );
  })
  .openapi(orderRoutes.cancelOrder, async (c) => {
    const id = c.req.valid("param").id;
    const shard = orderShard(c.env, id);
    const outcome = await cancelOrder(database(shard), {
      orderId: id,
      caller: callerOf(c),
      cause: requestIdOf(c),
      trace: requestTraceContext(c.req.raw.headers),
    });
    switch (outcome.kind) {
      case "NOT_FOUND":
        throw notFound(id);
      case "REFUSED":
        throw new HttpError(
          409,
          "INVALID_STATE",
          `order ${id} is ${outcome.status} and cannot be cancelled`,
        );
      case "CONFLICT":
        throw new HttpError(409, "CONFLICT", `order ${id} kept changing; try again`);
    }
    // The saga's trace id finds this line; its link names the request's own trace.
    loggerFor(c.env, { service: "order" }).info("order cancelled", {
      orderId: id,
      traceparent: formatTraceparent(outcome.trace.span),
      links: outcome.trace.links,
    });
    c.executionCtx.waitUntil(
      pokeRelay(c.env.OUTBOX_RELAY, [outcome.event], { shard: shard.SHARD }),
    );
    // W3C Trace Context Level 2: the caller (and the gateway's request line) learns the trace
    // this request continued, the saga's.
    c.header("traceresponse", formatTraceparent(outcome.trace.span));
    return c.json(outcome.order, 202);
  });
