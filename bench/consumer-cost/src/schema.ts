import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { consumerMetrics, deadLetters, inbox, outbox } from "@edge-saga/shared/schema";

/** The service state the bench handler changes: one counter per aggregate. */
export const counters = sqliteTable("counters", {
  id: text("id").primaryKey(),
  value: integer("value").notNull().default(0),
  /** Sequence of the last event applied: the handler's read skips stale events. */
  lastSequence: integer("last_sequence").notNull().default(-1),
  updatedAt: integer("updated_at").notNull(),
});
