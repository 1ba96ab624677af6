import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ORDER_STATUSES, PAYMENT_STATUSES, STOCK_ANSWERS } from "../domain/order-history";

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/**
 * One row per order, merged from every event about it. Each column has one source event type
 * (customer_id: any of them, all agree) and is only ever filled, never overwritten, except
 * status and payment_status (highest in their ranks wins) and updated_at (latest event time wins).
 */
export const viewOrders = sqliteTable(
  "view_orders",
  {
    orderId: text("order_id").primaryKey(),
    customerId: text("customer_id"),
    status: text("status", { enum: ORDER_STATUSES }).notNull().default("PENDING"),
    /** STATUS_RANK of `status`. */
    statusRank: integer("status_rank").notNull().default(0),
    /** From OrderPlaced. */
    totalCents: integer("total_cents"),
    /** From OrderPlaced (pointsToRedeem). */
    pointsRedeemed: integer("points_redeemed"),
    /** From OrderConfirmed. */
    pointsEarned: integer("points_earned"),
    /** From PointsAwarded: what rewards credited. */
    pointsAwarded: integer("points_awarded"),
    /** From OrderRejected. */
    rejectionReason: text("rejection_reason"),
    /** From StockReserved / StockReservationFailed. */
    stock: text("stock", { enum: STOCK_ANSWERS }).notNull().default("PENDING"),
    /**
     * From the payment events (PaymentAuthorized, -Declined, -Captured, -Voided, -Refunded):
     * the highest-ranked status they reported; PENDING until one arrived.
     */
    paymentStatus: text("payment_status", { enum: PAYMENT_STATUSES }).notNull().default("PENDING"),
    /** PAYMENT_RANK of `payment_status`. */
    paymentRank: integer("payment_rank").notNull().default(0),
    /** From PaymentAuthorized / PaymentDeclined: what the card was asked for (0: nothing to pay). */
    paymentAmountCents: integer("payment_amount_cents"),
    /** OrderPlaced's occurredAt, epoch ms; null until it arrived (the row is not listed before). */
    placedAt: integer("placed_at"),
    /** Latest occurredAt of the order's events, epoch ms. */
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("view_orders_customer_idx").on(t.customerId, t.orderId),
    check("view_orders_status", sql`${t.status} IN (${inList(ORDER_STATUSES)})`),
    check("view_orders_stock", sql`${t.stock} IN (${inList(STOCK_ANSWERS)})`),
    check("view_orders_payment_status", sql`${t.paymentStatus} IN (${inList(PAYMENT_STATUSES)})`),
  ],
);

/** The order's lines as placed (from OrderPlaced). */
export const viewOrderLines = sqliteTable(
  "view_order_lines",
  {
    orderId: text("order_id").notNull(),
    sku: text("sku").notNull(),
    quantity: integer("quantity").notNull(),
    unitPriceCents: integer("unit_price_cents").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.sku] })],
);

/** Product names and current prices (from ProductUpserted), joined to the lines when read. */
export const viewProducts = sqliteTable("view_products", {
  sku: text("sku").primaryKey(),
  name: text("name").notNull(),
  priceCents: integer("price_cents").notNull(),
  /** Sequence of the last applied ProductUpserted: an older event never overwrites a newer one. */
  version: integer("version").notNull(),
});
