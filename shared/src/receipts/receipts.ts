import { and, isNotNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Catalog } from "../catalog";
import { outbox, receiptProgress } from "../db/kit-schema";
import { runsWithin } from "../db/runs-within";
import { type AnyD1Database, errorText, type Statement } from "../db/types";
import type { Envelope } from "../envelope";
import type { Logger } from "../log/logger";
import { inboxBindingOf } from "./inbox-binding";

/**
 * Delivery receipts: after each batch a consumer tells every producer whose events it
 * handled (applied, dropped as a copy, or dead-lettered) which ones, in one queue message per
 * producer sent to the producer's own inbox queue. The producer's outbox row then stops
 * awaiting that subscriber, and the subscriber's progress (the latest publish time it
 * acknowledged) moves up. When a row still awaiting a subscriber is sent to it again is the
 * re-send rule, in resend-policy.ts. Receipts are best effort: a lost one costs a re-send,
 * which the inbox absorbs and which brings a new receipt.
 */
/** A queue message holds at most 128 KB: 1,000 ids of 64 characters fit well. */
export const RECEIPT_IDS_MAX = 1_000;

export const ReceiptSchema = z.strictObject({
  receipt: z.strictObject({
    /** The subscriber service that handled the events. */
    from: z.string().min(1).max(64),
    /** Ids of the events it handled. */
    handled: z.array(z.string().min(1).max(64)).min(1).max(RECEIPT_IDS_MAX),
    /** The producer's shard that sent them (the message's `sourceShard`); absent: shard 0. */
    shard: z.number().int().min(1).max(255).optional(),
  }),
});
export type Receipt = z.infer<typeof ReceiptSchema>["receipt"];

/** True for a message body that is a receipt (validated: anything else is an event). */
export function receiptOf(body: unknown): Receipt | undefined {
  if (typeof body !== "object" || body === null || !("receipt" in body)) return undefined;
  const parsed = ReceiptSchema.safeParse(body);
  return parsed.success ? parsed.data.receipt : undefined;
}

/** An event handled by a consumer, as its receipt needs it. */
export type HandledEvent = Pick<Envelope, "id" | "source"> & { type?: string; shard?: number };

/**
 * Whether `consumer` owes the producer a receipt for `event`. Not for its own events that the
 * catalog does not route to it: those came from itself (self-read), never from its relay, so
 * nothing awaits a receipt for them.
 */
export function receiptOwed(
  catalog: Pick<Catalog, "subscribersOf">,
  consumer: string,
  event: HandledEvent,
): boolean {
  return (
    event.source !== consumer ||
    event.type === undefined ||
    catalog.subscribersOf(event.type).includes(consumer)
  );
}

// Where a producer's receipts go: its inbox queue, bound as `<PRODUCER>_INBOX`.
export { inboxBindingOf };

export function inboxQueueByConvention(env: unknown, service: string): Queue | undefined {
  const binding = (env as Record<string, unknown>)[inboxBindingOf(service)];
  return binding && typeof (binding as Queue).send === "function" ? (binding as Queue) : undefined;
}

const warnedMissing = new Set<string>();

/**
 * Sends one receipt per producer for the events `from` handled. Never throws: a receipt that
 * does not leave is made up for by the producer's re-send.
 */
export async function sendReceipts(
  from: string,
  handled: readonly HandledEvent[],
  queueOf: (producer: string) => Queue | undefined,
  log: Logger,
): Promise<number> {
  // One receipt per producer's shard: each shard's outbox is its own.
  const byProducer = new Map<string, { producer: string; shard: number; ids: Set<string> }>();
  for (const { id, source, shard = 0 } of handled) {
    const key = `${source}#${shard}`;
    const group = byProducer.get(key) ?? { producer: source, shard, ids: new Set<string>() };
    group.ids.add(id);
    byProducer.set(key, group);
  }
  const sends: Promise<unknown>[] = [];
  for (const { producer, shard, ids } of byProducer.values()) {
    const queue = queueOf(producer);
    if (!queue) {
      if (!warnedMissing.has(producer))
        log.warn("no queue to send receipts to; the producer will keep re-sending", {
          producer,
          binding: inboxBindingOf(producer),
        });
      warnedMissing.add(producer);
      continue;
    }
    for (const run of runsWithin([...ids], RECEIPT_IDS_MAX))
      sends.push(
        queue
          .send(
            {
              receipt: { from, handled: run, ...(shard > 0 ? { shard } : {}) },
            } satisfies z.infer<typeof ReceiptSchema>,
            { contentType: "json" },
          )
          .catch((error: unknown) =>
            log.warn("receipt not sent; the producer will re-send", {
              producer,
              error: errorText(error),
            }),
          ),
      );
  }
  await Promise.all(sends);
  return sends.length;
}

/**
 * The outbox updates for receipts this service got: each event no longer awaits the
 * subscriber that sent it (NULL once none is left), and the subscriber's progress (the
 * latest publish time it acknowledged) moves up. Two statements per receipt, in the caller's batch.
 */
export function receiptUpdates(
  db: AnyD1Database,
  receipts: readonly Receipt[],
  now = Date.now(),
): Statement[] {
  return receipts.flatMap((receipt) => {
    const ids = JSON.stringify(receipt.handled);
    const named = sql`${outbox.eventId} IN (SELECT value FROM json_each(${ids}))`;
    return [
      db
        .update(outbox)
        .set({
          awaiting: sql`(SELECT nullif(json_group_array(value), '[]') FROM json_each(${outbox.awaiting})
            WHERE value <> ${receipt.from})`,
        })
        .where(and(isNotNull(outbox.awaiting), named)),
      db
        .insert(receiptProgress)
        .values({
          subscriber: receipt.from,
          // 0 when none of the ids is in the outbox (pruned, or not this service's).
          ackedPublishedAt: sql`coalesce((SELECT max(${outbox.publishedAt}) FROM ${outbox} WHERE ${named}), 0)`,
          ackedAt: now,
        })
        .onConflictDoUpdate({
          target: receiptProgress.subscriber,
          set: {
            ackedPublishedAt: sql`max(${receiptProgress.ackedPublishedAt}, excluded.acked_published_at)`,
            ackedAt: sql`excluded.acked_at`,
          },
        }),
    ];
  });
}
