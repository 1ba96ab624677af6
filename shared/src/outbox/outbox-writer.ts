import { outbox } from "../db/kit-schema";
import { runsWithin } from "../db/runs-within";
import type { AnyD1Database, Statement } from "../db/types";
import type { Envelope } from "../envelope";
import { DEFAULT_RECEIPT_TIMEOUT_MS, firstLookAt } from "../receipts/resend-policy";
import { stampTrace, type TraceContext } from "../trace/trace-context";

/** Queues accept messages up to 128 KB; keep a margin for the message's own framing. */
export const MAX_EVENT_BYTES = 120_000;
const utf8 = new TextEncoder();
const ROWS_PER_INSERT = 16;
const SENT_ROWS_PER_INSERT = 10;

/**
 * Events that left another way than through the relay (self-read: the request sent them to
 * the queues itself). Recorded as published, awaiting a receipt from each subscriber, so one
 * whose copy was lost is re-sent like any relayed event.
 */
export interface AlreadySent {
  subscribersOf: (type: string) => readonly string[];
  /** When the subscribers that have not acknowledged it get it again, after `now`; default: the relay's default receipt timeout. */
  resendAfterMs?: number;
}

/**
 * Outbox inserts for the events a command causes. Put them in the same
 * `db.batch()` as the state change so both commit or neither does. `trace`: the span that
 * causes them (the request's, trace-context.ts); an event without a trace context of its own
 * is written with it, so the context is captured in the body the relay sends.
 * @example await db.batch([db.update(things).set(...), ...outboxInserts(db, [event])]);
 */
export function outboxInserts(
  db: AnyD1Database,
  events: readonly Envelope[],
  now = Date.now(),
  sent?: AlreadySent,
  trace?: TraceContext,
): Statement[] {
  const rows = stampTrace(events, trace).map((event) => {
    const body = JSON.stringify(event);
    const size = utf8.encode(body).byteLength;
    // Refuse at write time: a message the queue would reject would block the relay for good.
    if (size > MAX_EVENT_BYTES)
      throw new Error(`event ${event.type} is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`);
    return {
      eventId: event.id,
      type: event.type,
      correlationId: event.correlationId,
      body,
      createdAt: now,
      ...(sent && alreadySent(event.type, sent, now)),
    };
  });
  // Several rows per statement, under D1's 100 bound parameters (5 a row; 8 when already sent).
  return runsWithin(rows, sent ? SENT_ROWS_PER_INSERT : ROWS_PER_INSERT).map((run) =>
    db.insert(outbox).values(run),
  );
}

function alreadySent(type: string, sent: AlreadySent, now: number) {
  const subscribers = sent.subscribersOf(type);
  return {
    publishedAt: now,
    awaiting: subscribers.length > 0 ? JSON.stringify(subscribers) : null,
    nextResendAt:
      subscribers.length > 0
        ? firstLookAt(now, sent.resendAfterMs ?? DEFAULT_RECEIPT_TIMEOUT_MS)
        : null,
  };
}
