import { shardCount } from "@edge-saga/shared";

/**
 * How long a tombstone is kept: the kit's inbox retention (retention.ts), the horizon past which
 * the kit already takes a redelivery for impossible.
 */
export const TOMBSTONE_RETENTION_MS = 7 * 86_400_000;

/** Rows deleted per run, so a backlog does not hold the database for long. */
const CHUNK = 5000;

/**
 * Deletes tombstones older than `retentionMs` on a service of several shards (the cron runs it
 * on each). A tombstone is a RELEASED or CANCELLED reservation that a rejection or cancel wrote
 * before any OrderPlaced (no lines, never changed since): it holds no unit and only stops a late
 * OrderPlaced. On several shards the order's outcome goes to every shard, so each rejected or
 * cancelled order leaves one on every shard its SKUs are not on, which no OrderPlaced will ever
 * reach: without pruning they would pile up. One shard writes them only when the outcome
 * overtakes OrderPlaced, and keeps them as before.
 * @example await pruneTombstones(onShard(env, 1)); // the number deleted
 */
export async function pruneTombstones(
  env: { DB: D1Database },
  { now = Date.now(), retentionMs = TOMBSTONE_RETENTION_MS } = {},
): Promise<number> {
  if (shardCount(env) === 1) return 0;
  // Its WHERE repeats the partial index's (reservations_tombstones), so SQLite can use it.
  const result = await env.DB.prepare(
    `DELETE FROM reservations WHERE order_id IN (
       SELECT order_id FROM reservations r
        WHERE status IN ('RELEASED', 'CANCELLED') AND created_at = updated_at AND created_at < ?1
          AND NOT EXISTS (SELECT 1 FROM reservation_lines l WHERE l.order_id = r.order_id)
        LIMIT ?2)`,
  )
    .bind(now - retentionMs, CHUNK)
    .run();
  return result.meta.changes ?? 0;
}
