import { WRITE_PATHS } from "@edge-saga/contracts";
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import {
  ORDER_STATUSES,
  PAYMENT_STATES,
  POINTS_STATES,
  REJECTION_REASONS,
  STOCK_STATES,
} from "../domain/saga";

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/** This service's replica of inventory's products, fed by `ProductUpserted`; orders are priced from it. */
export const catalogProducts = sqliteTable(
  "catalog_products",
  {
    sku: text("sku").primaryKey(),
    name: text("name").notNull(),
    priceCents: integer("price_cents").notNull(),
    /** Sequence of the last applied `ProductUpserted`: an older event never overwrites a newer one. */
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("catalog_products_price_non_negative", sql`${t.priceCents} >= 0`)],
);

/** The saga's state: one row per order, changed only through a version bump plus a transition row. */
export const orders = sqliteTable(
  "orders",
  {
    /** UUIDv7, so ordering by id is ordering by creation. */
    id: text("id").primaryKey(),
    customerId: text("customer_id").notNull(),
    status: text("status", { enum: ORDER_STATUSES }).notNull(),
    totalCents: integer("total_cents").notNull(),
    pointsRedeemed: integer("points_redeemed").notNull(),
    pointsEarned: integer("points_earned").notNull().default(0),
    rejectionReason: text("rejection_reason", { enum: REJECTION_REASONS }),
    stockState: text("stock_state", { enum: STOCK_STATES }).notNull(),
    pointsState: text("points_state", { enum: POINTS_STATES }).notNull(),
    /** The card's answer; orders placed before payment existed did not wait for one. */
    paymentState: text("payment_state", { enum: PAYMENT_STATES }).notNull().default("NOT_NEEDED"),
    /** What pays the rest after points (a card token); null: the customer's saved card. */
    paymentMethod: text("payment_method"),
    /** Bumped by every change; `order_transitions (order_id, version)` makes the bump a lock. */
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    confirmedAt: integer("confirmed_at"),
    pointsAwardedAt: integer("points_awarded_at"),
    /** How OrderPlaced was published (the service's WRITE_PATH when the order was placed). */
    writePath: text("write_path", { enum: WRITE_PATHS }).notNull().default("outbox"),
  },
  (t) => [
    index("orders_customer_idx").on(t.customerId, t.id),
    // The saga deadline's sweep: the oldest PENDING orders, a short index walk however many are decided.
    index("orders_status_created_idx").on(t.status, t.createdAt),
    check("orders_status_valid", sql`${t.status} IN (${inList(ORDER_STATUSES)})`),
    check("orders_stock_state_valid", sql`${t.stockState} IN (${inList(STOCK_STATES)})`),
    check("orders_points_state_valid", sql`${t.pointsState} IN (${inList(POINTS_STATES)})`),
    check("orders_payment_state_valid", sql`${t.paymentState} IN (${inList(PAYMENT_STATES)})`),
    check("orders_total_non_negative", sql`${t.totalCents} >= 0`),
    check(
      "orders_points_within_total",
      sql`${t.pointsRedeemed} >= 0 AND ${t.pointsRedeemed} <= ${t.totalCents}`,
    ),
    check("orders_points_earned_non_negative", sql`${t.pointsEarned} >= 0`),
    // A rejected order always says why, and only a rejected order has a reason.
    check(
      "orders_rejection_reason_iff_rejected",
      sql`(${t.status} = 'REJECTED') = (${t.rejectionReason} IS NOT NULL)`,
    ),
    check(
      "orders_rejection_reason_valid",
      sql`${t.rejectionReason} IS NULL OR ${t.rejectionReason} IN (${inList(REJECTION_REASONS)})`,
    ),
    // No order is confirmed while a participant has not said yes, or after one said no.
    check(
      "orders_confirmed_only_when_all_reserved",
      sql`${t.status} <> 'CONFIRMED' OR (${t.stockState} = 'RESERVED' AND ${t.pointsState} IN ('RESERVED', 'NOT_NEEDED') AND ${t.paymentState} IN ('AUTHORIZED', 'NOT_NEEDED'))`,
    ),
    check("orders_version_positive", sql`${t.version} >= 1`),
  ],
);

/**
 * Participants' answers that came before their order existed (self-read: the order is created
 * only when the service consumes its own OrderPlaced, which may come after the answers). Applied
 * and deleted in the batch that creates the order.
 */
export const earlyReplies = sqliteTable(
  "early_replies",
  {
    eventId: text("event_id").primaryKey(),
    orderId: text("order_id").notNull(),
    /** The whole envelope as it came. */
    body: text("body").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("early_replies_order_idx").on(t.orderId, t.receivedAt)],
);

export const SHARD_STOCK_ANSWERS = ["RESERVED", "OUT_OF_STOCK", "UNKNOWN_PRODUCT"] as const;

/**
 * Each inventory shard's answer for its lines of an order whose SKUs live on several shards
 * (domain/stock-answers.ts): the order's stock is reserved once every shard said RESERVED.
 * Written in the batch that bumps the order's version, so two shards' answers never both miss
 * each other; one row per shard, so a shard's duplicate answer cannot count twice.
 */
export const stockAnswers = sqliteTable(
  "stock_answers",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    /** The inventory shard that answered. */
    shard: integer("shard").notNull(),
    answer: text("answer", { enum: SHARD_STOCK_ANSWERS }).notNull(),
    /** Every inventory shard the order's SKUs live on, as this answer said (JSON array). */
    shards: text("shards").notNull(),
    /** The answer's event id. */
    eventId: text("event_id").notNull(),
    answeredAt: integer("answered_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.shard] }),
    check("stock_answers_answer_valid", sql`${t.answer} IN (${inList(SHARD_STOCK_ANSWERS)})`),
  ],
);

export const orderItems = sqliteTable(
  "order_items",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    sku: text("sku").notNull(),
    quantity: integer("quantity").notNull(),
    /** Price from the catalog replica when the order was placed; later price changes do not touch it. */
    unitPriceCents: integer("unit_price_cents").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.sku] }),
    check("order_items_quantity_range", sql`${t.quantity} BETWEEN 1 AND 1000`),
    check("order_items_price_non_negative", sql`${t.unitPriceCents} >= 0`),
  ],
);

/**
 * One row per version of an order: its history, and its optimistic lock. Two writers that
 * both read version v both insert (order_id, v + 1); the primary key lets only one commit.
 */
export const orderTransitions = sqliteTable(
  "order_transitions",
  {
    orderId: text("order_id")
      .notNull()
      .references(() => orders.id),
    version: integer("version").notNull(),
    /** NULL for the row that created the order. */
    fromStatus: text("from_status", { enum: ORDER_STATUSES }),
    toStatus: text("to_status", { enum: ORDER_STATUSES }).notNull(),
    /** What happened: the command or the event type that caused the change. */
    change: text("change").notNull(),
    /** Id of the request or event that caused the change. */
    cause: text("cause").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.version] })],
);

export const IDEMPOTENCY_STATUSES = ["IN_FLIGHT", "DONE"] as const;

/** `Idempotency-Key` claims and the stored answer replayed for a repeated request. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    /** `<customerId>/<Idempotency-Key>` (customerKey): keys are per customer. */
    key: text("key").primaryKey(),
    /** SHA-256 of the canonical JSON body: the same key with another body is refused. */
    requestHash: text("request_hash").notNull(),
    status: text("status", { enum: IDEMPOTENCY_STATUSES }).notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    /** While IN_FLIGHT: the id the claiming request will give its order (it owns the claim). */
    orderId: text("order_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    index("idempotency_keys_expires_idx").on(t.expiresAt),
    check("idempotency_keys_status_valid", sql`${t.status} IN (${inList(IDEMPOTENCY_STATUSES)})`),
    check(
      "idempotency_keys_done_has_response",
      sql`${t.status} <> 'DONE' OR (${t.responseStatus} IS NOT NULL AND ${t.responseBody} IS NOT NULL)`,
    ),
  ],
);

export type OrderRow = typeof orders.$inferSelect;
export type OrderItemRow = typeof orderItems.$inferSelect;
export type OrderTransitionRow = typeof orderTransitions.$inferSelect;
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
export type EarlyReplyRow = typeof earlyReplies.$inferSelect;
export type StockAnswerRow = typeof stockAnswers.$inferSelect;
