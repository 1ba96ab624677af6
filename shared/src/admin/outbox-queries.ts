import type { z } from "@hono/zod-openapi";
import { UNDELIVERABLE } from "../retention/retention-queries";
import type { TraceSchema } from "./admin-schemas";

/** The SQL of the outbox routes (outbox-routes.ts): D1 statements, one batch per answer. */

type Row = Record<string, number | string | null>;
type Trace = z.infer<typeof TraceSchema>;

/** Backlog, table sizes and receipts still owed: one D1 call. */
export async function outboxFigures(d1: D1Database) {
  const [backlog, totals, ...owed] = await d1.batch<Row>([
    d1.prepare(
      "SELECT count(*) AS pending, min(created_at) AS oldestPendingAt FROM outbox WHERE published_at IS NULL",
    ),
    d1.prepare(
      "SELECT (SELECT count(*) FROM outbox) AS outboxRows, (SELECT count(*) FROM inbox) AS inboxRows",
    ),
    ...unacknowledgedStatements(d1),
  ]);
  const row = backlog?.results[0];
  return {
    pending: Number(row?.pending ?? 0),
    oldestPendingAt: (row?.oldestPendingAt as number | null | undefined) ?? null,
    outboxRows: Number(totals?.results[0]?.outboxRows ?? 0),
    inboxRows: Number(totals?.results[0]?.inboxRows ?? 0),
    unacknowledged: unacknowledgedOf(owed),
  };
}

/**
 * Published events some subscriber has not sent a receipt for (see receipts.ts): how many,
 * since when, and how many each subscriber owes. Both read only the rows still awaiting.
 */
function unacknowledgedStatements(d1: D1Database): D1PreparedStatement[] {
  return [
    d1.prepare(
      "SELECT count(*) AS events, min(published_at) AS oldest FROM outbox WHERE awaiting IS NOT NULL",
    ),
    d1.prepare(
      `SELECT s.value AS subscriber, count(*) AS events FROM outbox, json_each(outbox.awaiting) AS s
       WHERE outbox.awaiting IS NOT NULL GROUP BY 1 ORDER BY 1`,
    ),
  ];
}

function unacknowledgedOf([totals, owed]: (D1Result<Row> | undefined)[]) {
  const row = totals?.results[0];
  return {
    events: Number(row?.events ?? 0),
    oldestPublishedAt: (row?.oldest as number | null | undefined) ?? null,
    bySubscriber: Object.fromEntries(
      (owed?.results ?? []).map((r) => [String(r.subscriber), Number(r.events)]),
    ),
  };
}

type MinuteCount = { minute: number; count: number };
type Metric = MinuteCount & { metric: "duplicate" | "retried" | "dead-lettered" };

/** The stats route's figures since `since` (epoch ms, a minute's start): one D1 call. */
export async function statsFigures(d1: D1Database, since: number) {
  const perMinute = (table: "outbox" | "inbox", column: string) =>
    d1
      .prepare(
        `SELECT (${column} / 60000) * 60000 AS minute, count(*) AS count FROM ${table}
         WHERE ${column} >= ?1 GROUP BY 1 ORDER BY 1`,
      )
      .bind(since);
  const [backlog, published, consumed, metrics, totals, openDead, ...owed] = await d1.batch<Row>([
    d1.prepare(
      "SELECT count(*) AS pending, min(created_at) AS oldestPendingAt FROM outbox WHERE published_at IS NULL",
    ),
    perMinute("outbox", "published_at"),
    perMinute("inbox", "processed_at"),
    d1
      .prepare(
        "SELECT metric, minute, count FROM consumer_metrics WHERE minute >= ? ORDER BY minute",
      )
      .bind(since),
    d1.prepare("SELECT metric, SUM(count) AS count FROM consumer_metrics GROUP BY metric"),
    // Open ones only: what an operator still has to look at (UNDELIVERABLE: retention.ts).
    d1.prepare(
      `SELECT count(*) AS open, coalesce(sum(reason LIKE '${UNDELIVERABLE}:%'), 0) AS undeliverable
       FROM dead_letters WHERE resolved_at IS NULL`,
    ),
    ...unacknowledgedStatements(d1),
  ]);
  const total = (metric: string) =>
    Number(totals?.results.find((r) => r.metric === metric)?.count ?? 0);
  return {
    pending: Number(backlog?.results[0]?.pending ?? 0),
    oldestPendingAt: (backlog?.results[0]?.oldestPendingAt as number | null | undefined) ?? null,
    unacknowledged: unacknowledgedOf(owed),
    published: (published?.results ?? []) as unknown as MinuteCount[],
    consumed: (consumed?.results ?? []) as unknown as MinuteCount[],
    consumer: (metrics?.results ?? []) as unknown as Metric[],
    totals: {
      duplicatesAbsorbed: total("duplicate"),
      retries: total("retried"),
      deadLettered: total("dead-lettered"),
      openDeadLetters: Number(openDead?.results[0]?.open ?? 0),
      undeliverable: Number(openDead?.results[0]?.undeliverable ?? 0),
    },
  };
}

/** Published events with ids after `after`, by id. */
export async function publishedEvents(d1: D1Database, after: string, limit: number) {
  const { results } = await d1
    .prepare(
      "SELECT event_id AS id, type FROM outbox WHERE published_at IS NOT NULL AND event_id > ? ORDER BY event_id LIMIT ?",
    )
    .bind(after, limit)
    .all<{ id: string; type: string }>();
  return results;
}

/** Handled (applied or dead-lettered) event ids after `after`, in order. */
export async function handledEvents(d1: D1Database, after: string, limit: number) {
  const { results } = await d1
    .prepare(
      `SELECT event_id AS id FROM inbox WHERE event_id > ?1
       UNION SELECT event_id FROM dead_letters WHERE event_id IS NOT NULL AND event_id > ?1
       ORDER BY 1 LIMIT ?2`,
    )
    .bind(after, limit)
    .all<{ id: string }>();
  return results;
}

/**
 * One saga as this service saw it (epoch ms): committed and published (with the trace context
 * each event carries), applied, dead letters. Dead letters are found by event id, on
 * `dead_letters_event_idx`: the saga's events this service applied (a dead letter replayed
 * since) and `eventIds` (events the caller knows it did not apply); never a scan of the table.
 */
export async function sagaTrace(d1: D1Database, correlationId: string, eventIds: string[] = []) {
  const [published, handled, dead] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(
        `SELECT event_id AS eventId, type, json_extract(body, '$.causationId') AS causationId,
           created_at AS committedAt, published_at AS publishedAt,
           awaiting AS awaitingReceiptFrom, resends,
           json_extract(body, '$.traceparent') AS traceparent
         FROM outbox WHERE correlation_id = ? ORDER BY seq`,
      )
      .bind(correlationId),
    d1
      .prepare(
        `SELECT event_id AS eventId, type, processed_at AS appliedAt, attempts,
           duplicates AS duplicatesDropped, last_duplicate_at AS lastDuplicateAt
         FROM inbox WHERE correlation_id = ? ORDER BY processed_at`,
      )
      .bind(correlationId),
    sagaDeadLetters(d1, correlationId, eventIds),
  ]);
  return {
    published: (published?.results ?? []) as Trace["published"],
    handled: (handled?.results ?? []) as Trace["handled"],
    deadLetters: (dead?.results ?? []) as Trace["deadLetters"],
  };
}

/**
 * The dead letters of a saga's events by id (see sagaTrace), oldest first; ?1 the correlation
 * id, ?2 a JSON array of event ids. `+received_at` keeps the planner on the event-id index
 * rather than walking the time index for the order (trace-query-plan.test.ts).
 */
export const SAGA_DEAD_LETTERS_SQL = `SELECT event_id AS eventId, event_type AS type, reason, attempts,
     received_at AS receivedAt, resolution
   FROM dead_letters
   WHERE event_id IN (SELECT event_id FROM inbox WHERE correlation_id = ?1
                      UNION SELECT value FROM json_each(?2))
   ORDER BY +received_at`;

function sagaDeadLetters(d1: D1Database, correlationId: string, eventIds: string[]) {
  return d1.prepare(SAGA_DEAD_LETTERS_SQL).bind(correlationId, JSON.stringify(eventIds));
}

/** A saga's effects with every call made for each, in the order they were decided. */
export async function sagaEffects(d1: D1Database, correlationId: string) {
  const [effects, attempts] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(
        `SELECT key, kind, status, outcome, attempts, created_at AS decidedAt, done_at AS doneAt,
           last_error AS lastError
         FROM effects WHERE correlation_id = ? ORDER BY seq`,
      )
      .bind(correlationId),
    d1
      .prepare(
        `SELECT a.key, a.attempt, a.started_at AS startedAt, a.ms, a.result, a.detail
         FROM effect_attempts a JOIN effects e ON e.key = a.key
         WHERE e.correlation_id = ? ORDER BY a.started_at, a.attempt`,
      )
      .bind(correlationId),
  ]);
  return (effects?.results ?? []).map((effect) => ({
    ...effect,
    calls: (attempts?.results ?? []).filter((a) => a.key === effect.key),
  }));
}

/** Effects still without an answer, oldest first (100), and how many there are. */
export async function pendingEffects(d1: D1Database) {
  const [rows, total] = await d1.batch<Record<string, unknown>>([
    d1.prepare(
      `SELECT key, kind, subject, correlation_id AS correlationId, attempts,
         next_attempt_at AS nextAttemptAt, last_error AS lastError, created_at AS createdAt
       FROM effects WHERE status = 'PENDING' ORDER BY seq LIMIT 100`,
    ),
    d1.prepare("SELECT COUNT(*) AS n FROM effects WHERE status = 'PENDING'"),
  ]);
  return { pending: rows?.results ?? [], total: Number(total?.results[0]?.n ?? 0) };
}
