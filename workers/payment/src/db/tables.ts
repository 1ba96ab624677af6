import { sql } from "drizzle-orm";
import { check, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { PAYMENT_STATUSES, REQUESTED } from "../domain/payment";

const oneOf = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/**
 * One row per order. `requested` is written by the event handlers only, `status`,
 * `intent_id` and `decline_reason` by the effects' reports only (domain/payment.ts).
 */
export const payments = sqliteTable(
  "payments",
  {
    orderId: text("order_id").primaryKey(),
    /** The order's customer: who may read its payment, and whose saved card pays. */
    customerId: text("customer_id").notNull(),
    /** totalCents - pointsRedeemed: what the card pays. */
    amountCents: integer("amount_cents").notNull(),
    /** Card token or saved method; null: the customer's saved card. */
    paymentMethod: text("payment_method"),
    requested: text("requested", { enum: REQUESTED }).notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    /** The processor's payment intent, once authorized (or declined). */
    intentId: text("intent_id"),
    declineReason: text("decline_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check("payments_requested_check", sql`${t.requested} IN (${oneOf(REQUESTED)})`),
    check("payments_status_check", sql`${t.status} IN (${oneOf(PAYMENT_STATUSES)})`),
    check("payments_amount_check", sql`${t.amountCents} >= 0`),
  ],
);

export type PaymentRow = typeof payments.$inferSelect;
