import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Where an effect stands; text columns, so a new value needs no migration. */
export const EFFECT_STATUSES = ["PENDING", "DONE", "FAILED"] as const;

/**
 * What came of one call: done, an answer was recorded; retry, none (timeout, 5xx, network), made
 * again later; refused, a definite refusal (`EffectRefused`); exhausted, none on the last attempt.
 * The last two end the effect as FAILED.
 */
export const EFFECT_CALL_RESULTS = ["done", "retry", "refused", "exhausted"] as const;

/**
 * Effects outside the database (a card processor's charge, an e-mail): what was decided, the
 * idempotency key it is made with, and its outcome once known. A handler records the effect in
 * the batch that decides it; the relay makes it (effects.ts). A service that makes such calls
 * re-exports these tables from its drizzle schema.
 */
export const effects = sqliteTable(
  "effects",
  {
    /** AUTOINCREMENT: a subject's effects are made in the order they were decided. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    /** The idempotency key the call is made with, every attempt: the other side's dedupe. */
    key: text("key").notNull().unique(),
    /** Which performer makes it. */
    kind: text("kind").notNull(),
    /** Effects of one subject (an order) are made one after another. */
    subject: text("subject").notNull(),
    /** The saga it belongs to, for the trace. */
    correlationId: text("correlation_id").notNull(),
    /** What to do, JSON. */
    request: text("request").notNull(),
    /** FAILED: refused for good, or no answer after the last attempt; a dead letter says why. */
    status: text("status", { enum: EFFECT_STATUSES }).notNull(),
    /** What the other side answered, JSON; set when DONE, in the batch that reports it. */
    outcome: text("outcome"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    doneAt: integer("done_at"),
  },
  (t) => [
    // The runner's "due heads" walk only pending rows.
    index("effects_pending_idx").on(t.nextAttemptAt).where(sql`status = 'PENDING'`),
    index("effects_subject_idx").on(t.subject, t.seq),
    index("effects_correlation_idx").on(t.correlationId),
    index("effects_done_idx").on(t.doneAt).where(sql`done_at IS NOT NULL`),
  ],
);

/** Every call made for an effect: when, how long, and what came of it (the trace shows them). */
export const effectAttempts = sqliteTable(
  "effect_attempts",
  {
    key: text("key").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    ms: integer("ms").notNull(),
    result: text("result", { enum: EFFECT_CALL_RESULTS }).notNull(),
    detail: text("detail"),
  },
  (t) => [primaryKey({ columns: [t.key, t.attempt] })],
);
