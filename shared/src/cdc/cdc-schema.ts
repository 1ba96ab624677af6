import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The last `sequence` a change-capture trigger gave each aggregate. Kept out of the captured
 * table so any table can be captured, and never pruned: a sequence must not restart after
 * the outbox rows that carried it are gone, or consumers would take new events for stale ones.
 */
export const cdcSequences = sqliteTable(
  "cdc_sequences",
  {
    aggregateType: text("aggregate_type").notNull(),
    aggregateId: text("aggregate_id").notNull(),
    sequence: integer("sequence").notNull(),
  },
  (t) => [primaryKey({ columns: [t.aggregateType, t.aggregateId] })],
);
