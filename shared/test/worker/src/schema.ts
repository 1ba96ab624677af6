import { sql } from "drizzle-orm";
import { check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export {
  cdcSequences,
  consumerMetrics,
  deadLetterAudit,
  deadLetters,
  effectAttempts,
  effects,
  inbox,
  orderedApplied,
  orderedHeld,
  outbox,
  receiptProgress,
} from "../../../src/db/kit-schema";

/** A counter per id: the state the kit's tests change alongside events. */
export const tallies = sqliteTable(
  "tallies",
  {
    id: text("id").primaryKey(),
    value: integer("value").notNull().default(0),
  },
  (t) => [check("tallies_value_non_negative", sql`${t.value} >= 0`)],
);

/** Decrements refused by the CHECK above, recorded by the handler's fallback decision. */
export const refusals = sqliteTable("refusals", {
  eventId: text("event_id").primaryKey(),
  tallyId: text("tally_id").notNull(),
});

/** Messages the test worker's queue handler received, by event id: shows duplicates on the wire. */
export const deliveries = sqliteTable("deliveries", {
  eventId: text("event_id").primaryKey(),
  count: integer("count").notNull(),
});

/** A table under change capture: its outbox triggers write GadgetChanged (see gadget-changed-trigger.ts). */
export const gadgets = sqliteTable("gadgets", {
  id: text("id").primaryKey(),
  label: text("label").notNull(),
  priceCents: integer("price_cents").notNull(),
  /** Not captured: changing only this emits nothing. */
  stock: integer("stock").notNull().default(0),
});
