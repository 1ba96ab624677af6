import { eq } from "drizzle-orm";
import { inbox } from "../db/kit-schema";
import { type AnyD1Database, errorText, type Statement } from "../db/types";
import { effectInserts } from "../effects/effects";
import type { Envelope } from "../envelope";
import { outboxInserts } from "../outbox/outbox-writer";
import { stampTrace, traceOf } from "../trace/trace-context";
import type { Decision } from "./consumer-types";
import { inboxInserts } from "./processed-events";

/**
 * Exactly-once apply, the rule: an event's inbox row (keyed by event id) is committed in the
 * same D1 batch as its decision's writes, outbox rows and effects. D1 runs a batch as one
 * transaction, so a second copy's batch is refused by the inbox key and rolls back whole:
 * whatever races, an event's writes land once. The lookups here only save work; the key decides.
 */

/** One event's commit: its decision, and the delivery attempt that applies it. */
export interface Commit {
  event: Envelope;
  attempts: number;
  decision: Decision;
}

/**
 * The statements of one atomic commit of `group`: every decision's writes, then the outbox
 * rows of all their events, their effects and the inbox rows of all their messages, several
 * rows per statement.
 */
export function commitStatements(
  db: AnyD1Database,
  group: readonly Commit[],
  now = Date.now(),
): Statement[] {
  return [
    ...group.flatMap((c) => c.decision.statements ?? []),
    // What a handler emits is a child of its processing span (the event's, processedIn).
    ...outboxInserts(
      db,
      group.flatMap((c) => stampTrace(c.decision.events ?? [], traceOf(c.event))),
      now,
    ),
    // An effect keeps the span that decided it: the events its outcome causes continue it.
    ...effectInserts(
      db,
      group.flatMap((c) =>
        (c.decision.effects ?? []).map((e) => ({
          ...e,
          traceparent: e.traceparent ?? c.event.traceparent,
        })),
      ),
      now,
    ),
    ...inboxInserts(
      db,
      group.map(({ event, attempts }) => ({
        eventId: event.id,
        type: event.type,
        correlationId: event.correlationId,
        processedAt: now,
        attempts,
      })),
    ),
  ];
}

/** The commit was refused because another delivery of the event committed first. */
export function isInboxDuplicate(error: unknown): boolean {
  return /UNIQUE constraint failed: inbox\.event_id/i.test(errorText(error));
}

/** Whether the inbox already holds `eventId` (applied by an earlier delivery). */
export async function alreadyProcessed(db: AnyD1Database, eventId: string): Promise<boolean> {
  const row = await db
    .select({ id: inbox.eventId })
    .from(inbox)
    .where(eq(inbox.eventId, eventId))
    .get();
  return row !== undefined;
}
