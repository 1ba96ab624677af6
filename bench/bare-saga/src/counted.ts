// The kit's bench counters only (measurement, not the saga: the saga itself uses no kit).
import { noInvocations } from "@edge-saga/shared/bench/counts";
/**
 * What the bench counts in a baseline Worker (this isolate's lifetime): invocations by kind and
 * D1 queries with the rows D1 reports read and written (`meta.rows_read` / `rows_written`, the
 * billed figures). Read by `GET /counts`; the bench subtracts two reads. Shared by the bare saga
 * and the Workflow saga, so both count alike.
 */
export const counts = {
  /**
   * Changes per isolate: a reader that sees it change knows the Worker restarted. Set by the
   * first read (no random values in global scope).
   */
  isolate: "",
  invocations: { ...noInvocations(), workflowRuns: 0 },
  /** GET /orders/{id}: the bench's outcome polls, in `fetch` too. */
  polls: 0,
  /** Queue messages sent (each 3 queue operations once delivered). */
  messagesSent: 0,
  /** Workflow step bodies run. */
  workflowSteps: 0,
  d1Queries: 0,
  d1RowsRead: 0,
  d1RowsWritten: 0,
};

function tally(results: readonly D1Result[]): void {
  counts.d1Queries++;
  for (const r of results) {
    counts.d1RowsRead += r.meta.rows_read ?? 0;
    counts.d1RowsWritten += r.meta.rows_written ?? 0;
  }
}

/** One statement, one round trip: its rows. */
export async function query<T = Record<string, unknown>>(
  db: D1Database,
  sql: string,
  ...args: unknown[]
): Promise<T[]> {
  const result = await db
    .prepare(sql)
    .bind(...args)
    .all<T>();
  tally([result]);
  return result.results;
}

/** Several statements in one transaction, one round trip: each one's rows. */
export async function batch(
  db: D1Database,
  statements: readonly [string, ...unknown[]][],
): Promise<Record<string, unknown>[][]> {
  const results = await db.batch(statements.map(([sql, ...args]) => db.prepare(sql).bind(...args)));
  tally(results);
  return results.map((r) => r.results as Record<string, unknown>[]);
}

export const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
