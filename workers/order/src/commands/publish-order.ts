import { catalog, type Order } from "@edge-saga/contracts";
import {
  type Envelope,
  errorText,
  idFor,
  inboxQueueByConvention,
  type Logger,
  newId,
  slotOf,
  withSlot,
} from "@edge-saga/shared";
import type { Database } from "../db/client";
import { findItems, findOrder, placedRow, toOrderJson } from "../db/order-store";
import type { OrderRow } from "../db/tables";
import { customerKey, requestHash } from "../domain/idempotency";
import { orderPlacedEvent } from "../events/order-events";
import { type CustomerOrderInput, type PricingFailure, priceFromReplica } from "./place-order";

export interface PublishOrderRequest {
  input: CustomerOrderInput;
  key?: string;
  /** Causation id of OrderPlaced (the gateway's request id). */
  cause: string;
}

export type PublishOrderOutcome =
  /** Sent to this service's own inbox (and, as far as they took it, every subscriber's). */
  | { kind: "PUBLISHED"; order: Order; event: Envelope }
  /** The key's order exists: the answer its first request got. */
  | { kind: "REPLAY"; order: Order }
  | { kind: "KEY_REUSED"; key: string }
  | { kind: "UNPRICEABLE"; failure: PricingFailure }
  /** Our own inbox did not take it: nothing was sent anywhere, nothing will act on it. */
  | { kind: "NOT_SENT"; reason: string };

/**
 * WRITE_PATH=self-read: publishes OrderPlaced and writes nothing to D1. The order service's own
 * inbox gets it first: once that send resolved the order will exist (the consumer creates it and
 * records the event, so a subscriber whose copy is lost below gets it again from the relay; and
 * the relay holds a copy of its own, re-sent until the consumer applied it, in case the broker
 * loses ours);
 * if that send fails nothing else was sent, so no participant acts on an order that will never
 * exist. With an Idempotency-Key the order and event ids come from the customer's key
 * (customerKey: another customer's same key names other ids), so a repeat publishes the same
 * event and every inbox drops the copy.
 */
export async function publishOrder(
  db: Database,
  env: unknown,
  { input, key, cause }: PublishOrderRequest,
  log: Logger,
  holdUntilApplied: (event: Envelope) => Promise<void>,
): Promise<PublishOrderOutcome> {
  const named = key === undefined ? undefined : customerKey(input.customerId, key);
  // Named for the customer's slot as every order id is (a key's id stays the same on a repeat).
  const orderId = withSlot(
    named ? await idFor(`order:${named}`) : newId(),
    slotOf(input.customerId),
  );
  if (key) {
    const existing = await findOrder(db, orderId);
    if (existing) return answerExisting(db, existing, input, key);
  }
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
  const event = orderPlacedEvent(row, priced.lines, {
    causationId: cause,
    id: named ? await idFor(`OrderPlaced:${named}`) : undefined,
    occurredAt: new Date(now),
  });

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

/** The order a key already placed: the same request gets its first answer, another one 422. */
async function answerExisting(
  db: Database,
  existing: OrderRow,
  input: CustomerOrderInput,
  key: string,
): Promise<PublishOrderOutcome> {
  const lines = (await findItems(db, [existing.id])).get(existing.id) ?? [];
  const placed: CustomerOrderInput = {
    customerId: existing.customerId,
    items: lines.map(({ sku, quantity }) => ({ sku, quantity })),
    pointsToRedeem: existing.pointsRedeemed,
    ...(existing.paymentMethod ? { paymentMethod: existing.paymentMethod } : {}),
  };
  if ((await requestHash(placed)) !== (await requestHash(input)))
    return { kind: "KEY_REUSED", key };
  const asAccepted = placedRow({ ...existing, writePath: "self-read" });
  return { kind: "REPLAY", order: toOrderJson(asAccepted, lines) };
}
