import type { AnyD1Database, Envelope, Statement } from "@edge-saga/shared";
import { asc, eq, inArray, lt, sql } from "drizzle-orm";
import { type EarlyReplyRow, earlyReplies, orders } from "./tables";

/** Replies whose order never came are dropped after this long (the retention of the inbox). */
export const EARLY_REPLY_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * Keeps a reply whose order does not exist yet. If the order is created between our read and
 * this commit, `received_at` goes in NULL and NOT NULL rolls the batch back: the kit runs the
 * handler again, which now finds the order and applies the reply to it.
 */
export function keepEarlyReply(
  db: AnyD1Database,
  event: Envelope<{ orderId: string }>,
  now: number,
): Statement {
  const orderId = event.payload.orderId;
  return db.insert(earlyReplies).values({
    eventId: event.id,
    orderId,
    body: JSON.stringify(event),
    receivedAt: sql`CASE WHEN EXISTS (SELECT 1 FROM ${orders} WHERE ${orders.id} = ${orderId}) THEN NULL ELSE ${now} END`,
  });
}

/** The replies kept for `orderId`, in the order they came. */
export function earlyRepliesFor(db: AnyD1Database, orderId: string): Promise<EarlyReplyRow[]> {
  return db
    .select()
    .from(earlyReplies)
    .where(eq(earlyReplies.orderId, orderId))
    .orderBy(asc(earlyReplies.receivedAt), asc(earlyReplies.eventId));
}

/**
 * A guard for the order's insert: the status to write while exactly `count` replies are kept
 * for it (those the creation read and applies), NULL (rolls back) if another came meanwhile.
 */
export function whileKeptRepliesAre(status: string, orderId: string, count: number) {
  return sql`CASE WHEN (SELECT count(*) FROM ${earlyReplies} WHERE ${earlyReplies.orderId} = ${orderId}) = ${count} THEN ${status} ELSE NULL END`;
}

export function dropEarlyReplies(db: AnyD1Database, eventIds: readonly string[]): Statement[] {
  return eventIds.length === 0
    ? []
    : [db.delete(earlyReplies).where(inArray(earlyReplies.eventId, [...eventIds]))];
}

/** Deletes replies kept longer than the retention (their order never came). */
export async function pruneEarlyReplies(db: AnyD1Database, now = Date.now()): Promise<number> {
  const result = await db
    .delete(earlyReplies)
    .where(lt(earlyReplies.receivedAt, now - EARLY_REPLY_RETENTION_MS))
    .run();
  return result.meta.changes ?? 0;
}
