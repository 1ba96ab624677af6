import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import { outbox } from "../db/kit-schema";
import type { AnyD1Database, Statement } from "../db/types";
import { traceparentOf } from "../trace/saga-trace";
import { type TraceContext, traceAttributes } from "../trace/trace-context";

/**
 * Change capture's events carry the request's trace: a trigger cannot know it, so this update,
 * in the same batch right after the change that fired the trigger, writes `trace` into the
 * unpublished, untraced outbox rows of `correlationId` (what the trigger just wrote). Same
 * transaction: the relay never sees such a row without it.
 * @example runBatch(db, [...creationStatements, ...capturedTrace(db, order.id, trace)])
 */
export function capturedTrace(
  db: AnyD1Database,
  correlationId: string,
  trace: TraceContext | undefined,
): Statement[] {
  if (!trace) return [];
  const { traceparent, tracestate } = traceAttributes(trace);
  const set: SQL = tracestate
    ? sql`json_set(${outbox.body}, '$.traceparent', ${traceparent}, '$.tracestate', ${tracestate})`
    : sql`json_set(${outbox.body}, '$.traceparent', ${traceparent})`;
  return [
    db
      .update(outbox)
      .set({ body: set })
      .where(
        and(
          eq(outbox.correlationId, correlationId),
          isNull(outbox.publishedAt),
          isNull(traceparentOf),
        ),
      ),
  ];
}
