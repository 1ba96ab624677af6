/**
 * A backlog for retention to prune, built inside the database (one INSERT ... SELECT over a
 * recursive count per kind: 200,000 rows in about a second, with no rows sent over the wire).
 * Plain SQL with the values inlined, so kit tests (`env.DB.prepare`) and the bench
 * (`wrangler d1 execute --command`) build the same rows. Pure: importable from Node.
 */

export const BACKLOG_KINDS = [
  "outbox published",
  "inbox",
  "consumer_metrics",
  "resolved dead letters",
] as const;

export interface Backlog {
  /** Row ids start with it, so several backlogs can sit side by side. */
  prefix: string;
  /** Rows of each kind. */
  rows: number;
  /** Epoch ms every row is stamped with (published, processed, resolved). */
  at: number;
}

const SAFE = /^[a-z0-9-]+$/;

/** One statement per kind; an outbox body of ~500 characters, about an envelope's size. */
export function retentionBacklogSql({ prefix, rows, at }: Backlog): string[] {
  if (!SAFE.test(prefix) || !Number.isInteger(rows) || !Number.isInteger(at))
    throw new Error("backlog: prefix [a-z0-9-], whole rows and at");
  const count = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${rows})`;
  return [
    `INSERT INTO outbox (event_id, type, correlation_id, body, created_at, published_at)
       ${count} SELECT '${prefix}-o-' || x, 'T', 'c' || x, hex(zeroblob(250)), ${at}, ${at} FROM n`,
    `INSERT INTO inbox (event_id, type, correlation_id, processed_at)
       ${count} SELECT '${prefix}-i-' || x, 'T', 'c' || x, ${at} FROM n`,
    // A distinct "minute" per row (the key is metric and minute), all within rows ms before `at`.
    `INSERT INTO consumer_metrics (metric, minute, count)
       ${count} SELECT CASE x % 3 WHEN 0 THEN 'duplicate' WHEN 1 THEN 'retried' ELSE 'dead-lettered' END,
       ${at} - x, 1 FROM n`,
    `INSERT INTO dead_letters (id, queue, message_id, reason, attempts, body, received_at, resolved_at, resolution)
       ${count} SELECT '${prefix}-d-' || x, 'q', '${prefix}-' || x, 'r', 1, '{}', ${at}, ${at}, 'discarded' FROM n`,
  ];
}
