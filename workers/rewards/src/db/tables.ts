import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { AWARD_STATUSES, HOLD_STATUSES, LEDGER_KINDS } from "../domain/statuses";

const oneOf = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/**
 * One points account per customer. `balance` counts every point the customer owns,
 * held ones included; available = balance - reserved.
 *
 * There is deliberately no CHECK (balance >= 0): cancelling a confirmed order takes
 * back its earned points even when the customer already spent them, because
 * design.md invariant 4 (balance == grants + earned(confirmed) - redeemed(confirmed))
 * must hold after every cancel. A clawback is the only way balance goes negative:
 * redeeming is guarded by available >= points when the hold is placed.
 */
export const accounts = sqliteTable(
  "accounts",
  {
    customerId: text("customer_id").primaryKey(),
    balance: integer("balance").notNull().default(0),
    reserved: integer("reserved").notNull().default(0),
    lifetimeEarned: integer("lifetime_earned").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    check("accounts_reserved_non_negative", sql`${t.reserved} >= 0`),
    check("accounts_lifetime_earned_non_negative", sql`${t.lifetimeEarned} >= 0`),
  ],
);

/**
 * Every balance change, written in the same batch as the change: balance == sum(points).
 * At most one row per order and kind, so no order can be redeemed, earned, refunded or
 * clawed back twice, whatever a handler decides.
 */
export const ledger = sqliteTable(
  "ledger",
  {
    /** UUIDv7: sorts by creation. */
    id: text("id").primaryKey(),
    customerId: text("customer_id").notNull(),
    /** The order the change belongs to; null for grants. */
    orderId: text("order_id"),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    /** Signed change of the balance. */
    points: integer("points").notNull(),
    reason: text("reason"),
    /** The event or HTTP request that caused the change. */
    causationId: text("causation_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ledger_customer_idx").on(t.customerId, t.id),
    uniqueIndex("ledger_order_kind_idx").on(t.orderId, t.kind),
    check("ledger_kind_known", sql`${t.kind} IN (${oneOf(LEDGER_KINDS)})`),
    check(
      "ledger_points_signed_by_kind",
      sql`(${t.kind} IN ('GRANT', 'EARN', 'REFUND') AND ${t.points} > 0) OR (${t.kind} IN ('REDEEM', 'CLAWBACK') AND ${t.points} < 0)`,
    ),
    check("ledger_order_unless_grant", sql`(${t.kind} = 'GRANT') = (${t.orderId} IS NULL)`),
  ],
);

/**
 * Points held for one order. Rows are never deleted: a row that was not created by
 * OrderPlaced (RELEASED or CANCELLED with 0 points) is a tombstone telling a late
 * OrderPlaced that the order is already over.
 */
export const holds = sqliteTable(
  "holds",
  {
    orderId: text("order_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    /** Filled by a subquery that yields NULL when the points are not available: NOT NULL is the guard. */
    points: integer("points").notNull(),
    status: text("status", { enum: HOLD_STATUSES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("holds_customer_idx").on(t.customerId),
    check("holds_status_known", sql`${t.status} IN (${oneOf(HOLD_STATUSES)})`),
    check("holds_points_non_negative", sql`${t.points} >= 0`),
    check("holds_held_points_positive", sql`${t.status} <> 'HELD' OR ${t.points} > 0`),
  ],
);

/**
 * Points earned by one order. The primary key makes a second award fail; a REVOKED row
 * with 0 points is the tombstone a cancel leaves when it overtakes the confirmation.
 */
export const awards = sqliteTable(
  "awards",
  {
    orderId: text("order_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    points: integer("points").notNull(),
    status: text("status", { enum: AWARD_STATUSES }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("awards_customer_idx").on(t.customerId),
    check("awards_status_known", sql`${t.status} IN (${oneOf(AWARD_STATUSES)})`),
    check("awards_points_non_negative", sql`${t.points} >= 0`),
  ],
);
