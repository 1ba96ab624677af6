import { and, inArray, isNotNull, sql } from "drizzle-orm";
import { outbox } from "../db/kit-schema";
import { runsWithin } from "../db/runs-within";
import type { AnyD1Database } from "../db/types";
import { parseTraceparent, type TraceContext } from "./trace-context";

/** The `traceparent` an outbox row's envelope carries (SQL). */
export const traceparentOf = sql<string>`json_extract(${outbox.body}, '$.traceparent')`;
const tracestateOf = sql<string | null>`json_extract(${outbox.body}, '$.tracestate')`;
// D1 binds at most 100 parameters a statement.
const IDS_PER_READ = 90;

/**
 * Each saga's trace context: the one its first traced outbox row carries (the event that
 * started it, e.g. OrderPlaced with the `POST /orders` span), read by the correlation index,
 * one row a saga. What a cancel or a deadline continues, so the saga keeps one trace id
 * without a column of its own. A saga whose rows are gone (past retention) or untraced has none.
 * @example (await sagaTraces(db, [orderId])).get(orderId)?.traceId
 */
export async function sagaTraces(
  db: AnyD1Database,
  correlationIds: readonly string[],
): Promise<Map<string, TraceContext>> {
  const traces = new Map<string, TraceContext>();
  for (const ids of runsWithin([...new Set(correlationIds)], IDS_PER_READ)) {
    const rows = await sagaTraceQuery(db, ids).all();
    for (const row of rows) {
      const context = parseTraceparent(row.traceparent, row.tracestate);
      if (context) traces.set(row.correlationId, context);
    }
  }
  return traces;
}

/** The read of `sagaTraces` for at most IDS_PER_READ sagas: one row a saga, by the correlation index. */
export function sagaTraceQuery(db: AnyD1Database, correlationIds: readonly string[]) {
  // SQLite: with min(), the bare columns come from the row holding the minimum.
  return db
    .select({
      correlationId: outbox.correlationId,
      first: sql<number>`min(${outbox.seq})`,
      traceparent: traceparentOf,
      tracestate: tracestateOf,
    })
    .from(outbox)
    .where(and(inArray(outbox.correlationId, [...correlationIds]), isNotNull(traceparentOf)))
    .groupBy(outbox.correlationId);
}
