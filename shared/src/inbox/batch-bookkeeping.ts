import { inArray, sql } from "drizzle-orm";
import { consumerMetrics, inbox } from "../db/kit-schema";
import { runsWithin } from "../db/runs-within";
import { type AnyD1Database, errorText, runBatch, type Statement } from "../db/types";
import type { Logger } from "../log/logger";
import { type Receipt, receiptUpdates } from "../receipts/receipts";

/** Longest wait for a best-effort side call (relay poke, bookkeeping) before the batch moves on. */
export const SIDE_CALL_MS = 5_000;
const MINUTE_MS = 60_000;

/** Waits for `promise`, but no longer than `ms`; a failure or a late answer is ignored. */
export async function atMost(ms: number, promise: Promise<unknown> | undefined): Promise<void> {
  if (!promise) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]);
  if (timer !== undefined) clearTimeout(timer);
}

export interface BatchTally {
  duplicate: number;
  retried: number;
  "dead-lettered": number;
}

/**
 * One database call after the batch: the receipts it brought when none of its commits could
 * carry them (their events no longer await the subscriber), the dropped copies noted on their
 * inbox rows (how many, the last when, so
 * an order's trace shows them) and this minute's counters of duplicates, retries and dead
 * letters. Best effort: the batch's outcome is already decided, so a failure here is logged,
 * never retried (a receipt not recorded costs one re-send, which brings another).
 */
export async function recordBookkeeping(
  db: AnyD1Database,
  {
    duplicateIds,
    tally,
    receipts = [],
  }: { duplicateIds: readonly string[]; tally: BatchTally; receipts?: readonly Receipt[] },
  log: Logger,
): Promise<void> {
  const now = Date.now();
  const statements: Statement[] = receiptUpdates(db, receipts);
  const copies = new Map<string, number>();
  for (const id of duplicateIds) copies.set(id, (copies.get(id) ?? 0) + 1);
  const byCount = new Map<number, string[]>();
  for (const [id, count] of copies) byCount.set(count, [...(byCount.get(count) ?? []), id]);
  // D1 binds at most 100 parameters per statement.
  for (const [count, ids] of byCount)
    for (const run of runsWithin(ids, 90))
      statements.push(
        db
          .update(inbox)
          .set({ duplicates: sql`${inbox.duplicates} + ${count}`, lastDuplicateAt: now })
          .where(inArray(inbox.eventId, run)),
      );
  const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const rows = (["duplicate", "retried", "dead-lettered"] as const)
    .filter((metric) => tally[metric] > 0)
    .map((metric) => ({ metric, minute, count: tally[metric] }));
  if (rows.length > 0)
    statements.push(
      db
        .insert(consumerMetrics)
        .values(rows)
        .onConflictDoUpdate({
          target: [consumerMetrics.metric, consumerMetrics.minute],
          set: { count: sql`${consumerMetrics.count} + excluded.count` },
        }),
    );
  try {
    await runBatch(db, statements);
  } catch (error) {
    log.error("consumer bookkeeping not recorded", { error: errorText(error) });
  }
}
