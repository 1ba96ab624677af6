import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { DEAD_LETTER_RESOLUTIONS } from "../dead-letters/resolutions";

// Change capture's per-aggregate counters, for services whose tables have outbox triggers.
export { cdcSequences } from "../cdc/cdc-schema";
// Effects outside the database, for services that make such calls (effects.ts).
export { effectAttempts, effects } from "../effects/effects-schema";
// Ordered apply's state, for services with an ordered handler (inbox/ordered-apply.ts).
export { orderedApplied, orderedHeld } from "../inbox/ordered-schema";

/**
 * Tables of the event kit. Every service re-exports them from its own drizzle
 * schema so its generated migrations create them in its own database.
 */

/** Events waiting to leave (or, until retention, already left) this service. */
export const outbox = sqliteTable(
  "outbox",
  {
    /** AUTOINCREMENT never reuses a value, so seq order is commit order. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull().unique(),
    type: text("type").notNull(),
    correlationId: text("correlation_id").notNull(),
    /** The whole envelope as JSON: exactly what is sent. */
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
    publishedAt: integer("published_at"),
    /**
     * Subscribers that have not sent a receipt for this event yet (JSON array of service
     * names); NULL once every one has, or when it has none. Set when the event is published.
     */
    awaiting: text("awaiting"),
    /** Times the event was sent again to the subscribers still awaited. */
    resends: integer("resends").notNull().default(0),
    /** When the subscribers still awaited get it again, epoch ms. */
    nextResendAt: integer("next_resend_at"),
  },
  (t) => [
    // An order's trace reads its saga's rows by correlation id.
    index("outbox_correlation_idx").on(t.correlationId),
    // Partial index: the relay's "next pending rows" stays a short index walk however large the table gets.
    index("outbox_pending_idx").on(t.seq).where(sql`published_at IS NULL`),
    index("outbox_published_idx").on(t.publishedAt).where(sql`published_at IS NOT NULL`),
    // The relay's "due for a re-send" and the admin's unacknowledged count walk only these.
    index("outbox_awaiting_idx").on(t.nextResendAt).where(sql`awaiting IS NOT NULL`),
  ],
);

/**
 * How far each subscriber has acknowledged this service's events: the latest first-publish
 * time among the events its receipts named. An event it owes a receipt for is re-sent once it
 * has acknowledged events published a receipt timeout after it (it skipped this one: lost, not
 * slow), or once the event has waited long and the subscriber went silent (it stalled).
 */
export const receiptProgress = sqliteTable("receipt_progress", {
  subscriber: text("subscriber").primaryKey(),
  ackedPublishedAt: integer("acked_published_at").notNull().default(0),
  ackedAt: integer("acked_at").notNull(),
});

/**
 * Ids of events this service has applied; the primary key is the dedupe. The row also tells
 * an order's trace how the event got here: on which delivery, and how many copies came after.
 */
export const inbox = sqliteTable(
  "inbox",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    correlationId: text("correlation_id").notNull(),
    processedAt: integer("processed_at").notNull(),
    /** The delivery attempt that applied the event (1: the first). */
    attempts: integer("attempts").notNull().default(1),
    /** Later deliveries of the event, dropped as duplicates. */
    duplicates: integer("duplicates").notNull().default(0),
    /** When the last duplicate was dropped, epoch ms. */
    lastDuplicateAt: integer("last_duplicate_at"),
  },
  (t) => [
    index("inbox_processed_idx").on(t.processedAt),
    index("inbox_correlation_idx").on(t.correlationId),
  ],
);

/** Messages that could not be applied, kept for an operator to inspect and replay. */
export { DEAD_LETTER_RESOLUTIONS, type DeadLetterResolution } from "../dead-letters/resolutions";

export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    eventId: text("event_id"),
    eventType: text("event_type"),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull(),
    /** Set when an operator replays or discards it, or on arrival (see DEAD_LETTER_RESOLUTIONS). */
    resolvedAt: integer("resolved_at"),
    resolution: text("resolution", { enum: DEAD_LETTER_RESOLUTIONS }),
  },
  (t) => [
    // One row per delivered message, so a redelivered DLQ message is stored once.
    uniqueIndex("dead_letters_message_idx").on(t.queue, t.messageId),
    index("dead_letters_received_idx").on(t.receivedAt),
    // An order's trace finds its dead letters by the ids of its events.
    index("dead_letters_event_idx").on(t.eventId),
    // Retention prunes resolved dead letters oldest first.
    index("dead_letters_resolved_idx").on(t.resolvedAt).where(sql`resolved_at IS NOT NULL`),
  ],
);

/**
 * What operators did to dead letters in bulk: who (a fingerprint of the admin token, never
 * the token), when, by which filter, and how many it touched. Kept past dead-letter retention.
 */
export const deadLetterAudit = sqliteTable(
  "dead_letter_audit",
  {
    id: text("id").primaryKey(),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action", { enum: ["replay", "discard"] }).notNull(),
    /** The filter as given, JSON. */
    filter: text("filter").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [index("dead_letter_audit_at_idx").on(t.at)],
);

/**
 * What the inbox consumer absorbed or deferred, per minute: duplicates dropped, retries,
 * dead letters. Applied events need no counter: they are the inbox rows.
 */
export const consumerMetrics = sqliteTable(
  "consumer_metrics",
  {
    metric: text("metric", { enum: ["duplicate", "retried", "dead-lettered"] }).notNull(),
    /** Start of the minute, epoch ms. */
    minute: integer("minute").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.metric, t.minute] })],
);
