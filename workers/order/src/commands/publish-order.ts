import { catalog, type Order } from "@edge-saga/contracts";
import {
  type Envelope,
  errorText,
  idFor,
  inboxQueueByConvention,
  type Logger,
  newId,
  runBatch,
  slotOf,
  stampTrace,
  type TraceContext,
  withSlot,
} from "@edge-saga/shared";
import type { Database } from "../db/client";
import { claimKey, completeClaim, releaseClaim } from "../db/idempotency-store";
import { findItems, findOrder, placedRow, toOrderJson } from "../db/order-store";
import type { OrderRow } from "../db/tables";
import { customerKey, requestHash } from "../domain/idempotency";
import { orderPlacedEvent } from "../events/order-events";
import {
  type CustomerOrderInput,
  type PlaceOrderOutcome,
  priceFromReplica,
  type StoredAnswer,
} from "./place-order";

export interface PublishOrderRequest {
  input: CustomerOrderInput;
  key?: string;
  /** Causation id of OrderPlaced (the gateway's request id). */
  cause: string;
  /** The request's span (W3C Trace Context): OrderPlaced carries it, as on the other paths. */
  trace?: TraceContext;
}

export type PublishOrderOutcome =
  /** Sent to this service's own inbox (and, as far as they took it, every subscriber's). */
  | { kind: "PUBLISHED"; order: Order; event: Envelope }
  | { kind: "NOT_SENT"; reason: string }
  /** The key's answers: the first one again, 422, 409; or the order cannot be priced. */
  | Exclude<PlaceOrderOutcome, { kind: "PLACED" }>;

type HoldUntilApplied = (event: Envelope) => Promise<void>;

/**
 * WRITE_PATH=self-read: publishes OrderPlaced and writes nothing to D1 for the order. The order
 * service's own inbox gets it first: once that send resolved the order will exist (the consumer
 * creates it and records the event, so a subscriber whose copy is lost below gets it again from
 * the relay; and the relay holds a copy of its own, re-sent until the consumer applied it, in
 * case the broker loses ours); if that send fails nothing else was sent, so no participant acts
 * on an order that will never exist (NOT_SENT).
 * An Idempotency-Key is claimed and answered as on the other paths (idempotency-store.ts),
 * before anything is published: a repeat gets the stored answer, another body 422 and a
 * concurrent one 409 whether or not the order exists yet, and none of them publishes.
 */
export async function publishOrder(
  db: Database,
  env: unknown,
  request: PublishOrderRequest,
  log: Logger,
  holdUntilApplied: HoldUntilApplied,
): Promise<PublishOrderOutcome> {
  const { input, key } = request;
  // Time-ordered like every order id (a customer's list pages by id, newest first), named for
  // the customer's slot.
  const orderId = withSlot(newId(), slotOf(input.customerId));
  const send = { env, log, holdUntilApplied };
  if (key === undefined) return publishNew(db, request, orderId, send);

  const stored = customerKey(input.customerId, key);
  const claim = await claimKey(db, stored, await requestHash(input), orderId, Date.now(), {
    resumeAbandoned: true,
  });
  if (claim.kind === "REPLAY") return claim;
  if (claim.kind === "REUSED") return { kind: "KEY_REUSED", key };
  if (claim.kind === "IN_FLIGHT") return { kind: "KEY_IN_FLIGHT", key };

  // A resumed claim's order may exist already: its crashed run published it.
  const existing = claim.resumed ? await findOrder(db, claim.orderId) : undefined;
  if (existing) {
    const answer = await answerOf(db, stored, existing, log);
    return { kind: "REPLAY", stored: answer };
  }
  const outcome = await publishNew(db, request, claim.orderId, send).catch(
    async (error: unknown) => {
      if (!claim.resumed) await releaseClaim(db, stored, claim.orderId);
      throw error;
    },
  );
  if (outcome.kind === "PUBLISHED") {
    await storeAnswer(db, stored, outcome.order, log);
  } else if (!claim.resumed) {
    // Nothing was sent: a corrected retry may use the key. A resumed claim stays: its first run
    // may have sent the order, and a fresh claim would name another.
    await releaseClaim(db, stored, claim.orderId);
  }
  return outcome;
}

/** Stores `order` as the key's answer; the order was published whether or not that succeeds. */
async function storeAnswer(
  db: Database,
  stored: string,
  order: Order,
  log: Logger,
): Promise<StoredAnswer> {
  const answer = { orderId: order.id, responseStatus: 202, responseBody: JSON.stringify(order) };
  const complete = completeClaim(db, stored, order.id, {
    status: answer.responseStatus,
    body: answer.responseBody,
  });
  // The claim then answers 409 until it looks abandoned, and is resumed under the same order.
  await runBatch(db, [complete]).catch((error: unknown) =>
    log.warn("the key's answer was not stored", { orderId: order.id, error: errorText(error) }),
  );
  return answer;
}

/** Prices the order and publishes it as `orderId`; its OrderPlaced is named by the order. */
async function publishNew(
  db: Database,
  { input, cause, trace }: PublishOrderRequest,
  orderId: string,
  { env, log, holdUntilApplied }: { env: unknown; log: Logger; holdUntilApplied: HoldUntilApplied },
): Promise<PublishOrderOutcome> {
  const priced = await priceFromReplica(db, input);
  if (!priced.ok) return { kind: "UNPRICEABLE", failure: priced };

  const now = Date.now();
  const row = placedRow({
    id: orderId,
    customerId: input.customerId,
    totalCents: priced.totalCents,
    pointsRedeemed: input.pointsToRedeem,
    paymentMethod: input.paymentMethod ?? null,
    createdAt: now,
    writePath: "self-read",
  });
  // A resumed claim publishes its order again under the same event id: every inbox drops it.
  const event = orderPlacedEvent(row, priced.lines, {
    causationId: cause,
    id: await idFor(`OrderPlaced:${orderId}`),
    occurredAt: new Date(now),
  });
  stampTrace([event], trace);
  const own = inboxQueueByConvention(env, "order");
  if (!own) return { kind: "NOT_SENT", reason: "no ORDER_INBOX binding to publish to" };
  try {
    await own.send(event, { contentType: "json" });
  } catch (error) {
    return { kind: "NOT_SENT", reason: errorText(error) };
  }
  // The broker has the only copy now; the relay keeps one until the order service applied it.
  const held = holdUntilApplied(event).catch((error: unknown) =>
    log.warn("no safety copy held; a lost own copy would not be re-sent", {
      orderId,
      error: errorText(error),
    }),
  );
  const results = await Promise.allSettled(
    catalog.subscribersOf(event.type).map(async (subscriber) => {
      const queue = inboxQueueByConvention(env, subscriber);
      if (!queue) throw new Error(`no queue bound for ${subscriber}`);
      await queue.send(event, { contentType: "json" });
    }),
  );
  await held;
  const failed = results.filter((r) => r.status === "rejected");
  // Not the request's failure: the order will exist, and its recorded event is re-sent to them.
  if (failed.length > 0)
    log.warn("OrderPlaced not sent to every subscriber; the relay re-sends it", {
      orderId,
      eventId: event.id,
      errors: failed.map((r) => errorText(r.reason)),
    });
  return { kind: "PUBLISHED", order: toOrderJson(row, priced.lines), event };
}

/** The answer a resumed key's order got when accepted (the order as placed), stored now. */
async function answerOf(
  db: Database,
  stored: string,
  existing: OrderRow,
  log: Logger,
): Promise<StoredAnswer> {
  const lines = (await findItems(db, [existing.id])).get(existing.id) ?? [];
  const order = toOrderJson(placedRow({ ...existing, writePath: "self-read" }), lines);
  return storeAnswer(db, stored, order, log);
}
