import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { reservationStatuses } from "../domain/reservation-lifecycle";

/**
 * One row per SKU. Units only move between `available`, `reserved` and `sold`,
 * except a PUT, which sets `available` and adds the difference to `received`;
 * the CHECKs make any statement that would oversell or lose a unit fail its batch.
 */
export const products = sqliteTable(
  "products",
  {
    sku: text("sku").primaryKey(),
    name: text("name").notNull(),
    priceCents: integer("price_cents").notNull(),
    available: integer("available").notNull(),
    reserved: integer("reserved").notNull().default(0),
    sold: integer("sold").notNull().default(0),
    /** Every unit ever put: `available + reserved + sold` always equals it. */
    received: integer("received").notNull(),
    /** +1 per PUT: lets a PUT refuse to overwrite one it did not read. (Event sequences: `cdc_sequences`.) */
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check("products_available_non_negative", sql`${t.available} >= 0`),
    check("products_reserved_non_negative", sql`${t.reserved} >= 0`),
    check("products_sold_non_negative", sql`${t.sold} >= 0`),
    check("products_price_non_negative", sql`${t.priceCents} >= 0`),
    check(
      "products_units_accounted",
      sql`${t.available} + ${t.reserved} + ${t.sold} = ${t.received}`,
    ),
  ],
);

/**
 * What inventory did for one order. A row is written by whichever event about the
 * order arrives first, so a compensation that overtakes OrderPlaced leaves a
 * tombstone (RELEASED or CANCELLED) that the late OrderPlaced finds.
 */
export const reservations = sqliteTable(
  "reservations",
  {
    orderId: text("order_id").primaryKey(),
    status: text("status", { enum: reservationStatuses }).notNull(),
    /** Why stock was not reserved: OUT_OF_STOCK, UNKNOWN_PRODUCT, or the order's rejection reason. */
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check(
      "reservations_status_valid",
      sql`${t.status} IN (${sql.raw(reservationStatuses.map((s) => `'${s}'`).join(", "))})`,
    ),
    // Tombstones, oldest first, for their pruning on several shards (db/prune-tombstones.ts):
    // a row never changed since a rejection or cancel wrote it. Rows with lines stay out of
    // the prune's way once they move on (updated_at changes).
    index("reservations_tombstones")
      .on(t.createdAt)
      .where(sql`status IN ('RELEASED', 'CANCELLED') AND created_at = updated_at`),
  ],
);

/** Units held per SKU for an order; written with its reservation and never changed. */
export const reservationLines = sqliteTable(
  "reservation_lines",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => reservations.orderId),
    sku: text("sku")
      .notNull()
      .references(() => products.sku),
    quantity: integer("quantity").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.sku] }),
    check("reservation_lines_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

export type ProductRow = typeof products.$inferSelect;
