import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Ordered apply's state (ordered-apply.ts), opt-in: a service with an ordered handler
 * re-exports these from `@edge-saga/shared/schema` so its migrations create them.
 */

/**
 * The last sequence applied per aggregate, written in the commit of the handler's effect.
 * `previous` is what that write replaced: the CHECK refuses an apply that did not follow
 * the last one (two deciders that read the same state cannot both commit; the loser re-reads).
 */
export const orderedApplied = sqliteTable(
  "ordered_applied",
  {
    source: text("source").notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    sequence: integer("sequence").notNull(),
    previous: integer("previous").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.aggregateType, t.aggregateId] }),
    check("ordered_applied_follows", sql`${t.sequence} = ${t.previous} + 1`),
  ],
);

/**
 * Events acknowledged to the queue and held until the sequences before them are applied.
 * `appliedWhenHeld` is read in the holding commit itself: the CHECK refuses a hold whose gap
 * filled since the handler read (it is then decided again, and applied).
 */
export const orderedHeld = sqliteTable(
  "ordered_held",
  {
    eventId: text("event_id").primaryKey(),
    source: text("source").notNull(),
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    sequence: integer("sequence").notNull(),
    type: text("type").notNull(),
    /** The envelope as decoded (upcast), JSON. */
    body: text("body").notNull(),
    heldAt: integer("held_at").notNull(),
    /** When the gap is given up on (the handler's bounded wait), epoch ms. */
    expiresAt: integer("expires_at").notNull(),
    appliedWhenHeld: integer("applied_when_held").notNull(),
  },
  (t) => [
    index("ordered_held_key_idx").on(t.source, t.aggregateType, t.aggregateId, t.sequence),
    index("ordered_held_expires_idx").on(t.expiresAt),
    check("ordered_held_gap_open", sql`${t.appliedWhenHeld} < ${t.sequence} - 1`),
  ],
);
