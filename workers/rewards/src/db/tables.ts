import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { AWARD_STATUSES, HOLD_STATUSES, LEDGER_KINDS } from "../domain/statuses";

const oneOf = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

/**
 * Every change of a customer's points, in order: the source of truth of the account.
 * balance, reserved and lifetimeEarned are folded from it (domain/points-account.ts).
 *
 * `seq` numbers one customer's entries 1, 2, 3 ...: an entry is written with the version the
 * writer read plus one, so the UNIQUE (customer_id, seq) key makes a decision taken on a stale
 * account lose against a concurrent one (the batch rolls back and is decided again).
 * At most one row per order and kind, so no order can be held, redeemed, earned, refunded or
 * clawed back twice, whatever a handler decides.
 *
 * There is deliberately no floor on the balance: cancelling a confirmed order takes back its
 * earned points even when the customer already spent them (design.md invariant 4). Holds are
 * decided on the folded account: available (balance - reserved) must cover them.
 */
export const ledger = sqliteTable(
  "ledger",
  {
    /** UUIDv7: sorts by creation. */
    id: text("id").primaryKey(),
    customerId: text("customer_id").notNull(),
    /** Position in the customer's ledger, from 1: the account's version after this entry. */
    seq: integer("seq").notNull(),
    /** The order the change belongs to; null for grants. */
    orderId: text("order_id"),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    /** Signed change of the balance. */
    points: integer("points").notNull(),
    /** Signed change of the reserved points. */
    reserved: integer("reserved").notNull().default(0),
    reason: text("reason"),
    /** The event or HTTP request that caused the change. */
    causationId: text("causation_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("ledger_customer_seq_idx").on(t.customerId, t.seq),
    uniqueIndex("ledger_order_kind_idx").on(t.orderId, t.kind),
    check("ledger_seq_positive", sql`${t.seq} > 0`),
    check("ledger_kind_known", sql`${t.kind} IN (${oneOf(LEDGER_KINDS)})`),
    check(
      "ledger_changes_by_kind",
      sql`(${t.kind} IN ('GRANT', 'EARN', 'REFUND') AND ${t.points} > 0 AND ${t.reserved} = 0)
       OR (${t.kind} = 'CLAWBACK' AND ${t.points} < 0 AND ${t.reserved} = 0)
       OR (${t.kind} = 'HOLD' AND ${t.points} = 0 AND ${t.reserved} > 0)
       OR (${t.kind} = 'RELEASE' AND ${t.points} = 0 AND ${t.reserved} < 0)
       OR (${t.kind} = 'REDEEM' AND ${t.points} < 0 AND ${t.reserved} = ${t.points})`,
    ),
    check("ledger_order_unless_grant", sql`(${t.kind} = 'GRANT') = (${t.orderId} IS NULL)`),
  ],
);

/**
 * The folded account of a customer at `version` (its first `version` ledger entries), stored
 * every SNAPSHOT_EVERY entries in the batch that writes the entry: a read folds only the entries
 * after the latest snapshot. Derived data: deleting every row changes no answer, only read cost.
 */
export const accountSnapshots = sqliteTable(
  "account_snapshots",
  {
    customerId: text("customer_id").notNull(),
    version: integer("version").notNull(),
    /** AccountState as JSON. */
    state: text("state").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.version] })],
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
