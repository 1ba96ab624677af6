import { and, eq, sql } from "drizzle-orm";
import type { AnyD1Database, Statement } from "../db/types";
import type { Envelope } from "../envelope";
import type { Decision, EventHandler } from "./consumer-types";
import { type AggregateKey, DEFAULT_ORDERED_WAIT_MS, orderedVerdict } from "./ordered-apply";
import { orderedApplied, orderedHeld } from "./ordered-schema";

/**
 * The ordered handler: a handler wrapped so its decision follows ordered-apply.ts. Everything
 * it writes is a decision the consumer commits as today (inbox row, group commit, conflict
 * retry): the next event's decision plus the new applied sequence, a hold's insert, or nothing
 * for a copy. The CHECKs of ordered-schema.ts refuse a decision read before another committed.
 */

const ORDERED = Symbol.for("edge-saga.ordered-handler");

export interface OrderedOptions {
  /** How long a held event waits for the sequences before it. Default: 10 minutes. */
  maxWaitMs?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: as EventHandler, each narrows its own event type
export type OrderedHandler<Env, E extends Envelope = any> = EventHandler<Env, E> & {
  readonly [ORDERED]: { maxWaitMs: number };
};

/**
 * Declares `handler` ordered per aggregate: its events apply in their producer's sequence; a
 * later one waits (acknowledged, held) until the gap fills or `maxWaitMs` passes, then becomes
 * a dead letter naming the gap. The catalog must name the event's `aggregate`.
 * @example handlers: { OrderConfirmed: ordered(onConfirmed), OrderCancelled: ordered(onCancelled) }
 */
export function ordered<Env, E extends Envelope>(
  handler: EventHandler<Env, E>,
  { maxWaitMs = DEFAULT_ORDERED_WAIT_MS }: OrderedOptions = {},
): OrderedHandler<Env, E> {
  const wrapped: EventHandler<Env, E> = async (event, context) => {
    const key = keyOf(event);
    const verdict = orderedVerdict(await appliedSequence(context.db, key), event.sequence);
    if (verdict.action === "duplicate") return {};
    if (verdict.action === "hold")
      return { statements: [holdInsert(context.db, event, Date.now(), maxWaitMs)] };
    const result = await handler(event, context);
    const advance = appliedUpsert(context.db, key, event.sequence);
    return Array.isArray(result) ? result.map((d) => and_(d, advance)) : and_(result, advance);
  };
  return Object.assign(wrapped, { [ORDERED]: { maxWaitMs } });
}

/** Whether `handler` was declared with `ordered`. */
export function isOrdered(handler: unknown): handler is OrderedHandler<unknown> {
  return typeof handler === "function" && ORDERED in handler;
}

export const keyOf = (event: Envelope): AggregateKey => ({
  source: event.source,
  aggregateType: event.aggregateType,
  aggregateId: event.aggregateId,
});

/** The ordered handler's decision with `statements` before its own (a release's clean-up). */
export function withStatementsFirst<Env>(
  handler: EventHandler<Env>,
  first: (db: AnyD1Database, event: Envelope) => Statement[],
): EventHandler<Env> {
  return async (event, context) => {
    const result = await handler(event, context);
    const lead = first(context.db, event);
    const prefix = (d: Decision) => ({ ...d, statements: [...lead, ...(d.statements ?? [])] });
    return Array.isArray(result) ? result.map(prefix) : prefix(result);
  };
}

const and_ = (decision: Decision, statement: Statement): Decision => ({
  ...decision,
  statements: [...(decision.statements ?? []), statement],
});

const sameKey = (table: typeof orderedApplied | typeof orderedHeld, key: AggregateKey) =>
  and(
    eq(table.source, key.source),
    eq(table.aggregateType, key.aggregateType),
    eq(table.aggregateId, key.aggregateId),
  );

const appliedOf = (key: AggregateKey) =>
  sql`(SELECT COALESCE(MAX(${orderedApplied.sequence}), 0) FROM ${orderedApplied} WHERE ${sameKey(orderedApplied, key)})`;

/** The last sequence applied for `key`; 0 before its first. */
async function appliedSequence(db: AnyD1Database, key: AggregateKey): Promise<number> {
  const row = await db
    .select({ sequence: orderedApplied.sequence })
    .from(orderedApplied)
    .where(sameKey(orderedApplied, key))
    .get();
  return row?.sequence ?? 0;
}

/** `sequence` applied: refused (CHECK) unless the last applied was `sequence - 1`. */
export function appliedUpsert(db: AnyD1Database, key: AggregateKey, sequence: number) {
  return db
    .insert(orderedApplied)
    .values({ ...key, sequence, previous: sequence - 1, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: [orderedApplied.source, orderedApplied.aggregateType, orderedApplied.aggregateId],
      set: {
        previous: sql`${orderedApplied.sequence}`,
        sequence: sql`excluded.sequence`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

/** Holds `event`: refused (CHECK) if its gap filled since the handler read. */
function holdInsert(db: AnyD1Database, event: Envelope, now: number, maxWaitMs: number) {
  return db.insert(orderedHeld).values({
    ...keyOf(event),
    eventId: event.id,
    sequence: event.sequence,
    type: event.type,
    body: JSON.stringify(event),
    heldAt: now,
    expiresAt: now + maxWaitMs,
    appliedWhenHeld: appliedOf(keyOf(event)),
  });
}
