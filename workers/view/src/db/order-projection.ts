import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { sql } from "drizzle-orm";
import {
  type OrderStatus,
  PAYMENT_RANK,
  type PaymentStatus,
  STATUS_RANK,
  type StockAnswer,
} from "../domain/order-history";
import { viewOrderLines, viewOrders } from "./tables";

/** What one event knows about an order; the rest of the row is left as it is. */
export interface OrderFacts {
  orderId: string;
  /** The event's occurredAt. */
  occurredAt: string;
  customerId?: string;
  status?: OrderStatus;
  totalCents?: number;
  pointsRedeemed?: number;
  pointsEarned?: number;
  pointsAwarded?: number;
  rejectionReason?: string;
  stock?: Exclude<StockAnswer, "PENDING">;
  placed?: boolean;
  /** What a payment event reported (PENDING is no report: leave it out). */
  payment?: Exclude<PaymentStatus, "PENDING">;
  /** From PaymentAuthorized / PaymentDeclined. */
  paymentAmountCents?: number;
}

const firstSeen = (column: string) => sql.raw(`COALESCE(${column}, excluded.${column})`);

/**
 * The upsert that merges one event into the order's row. Every column merges commutatively
 * and idempotently (fill once, max of the lattice, latest time), so any delivery order of the
 * same events, with any duplicates, leaves the same row.
 */
export function mergeOrder(db: AnyD1Database, facts: OrderFacts): Statement {
  const at = Date.parse(facts.occurredAt);
  const status = facts.status ?? "PENDING";
  const payment = facts.payment ?? "PENDING";
  return db
    .insert(viewOrders)
    .values({
      orderId: facts.orderId,
      customerId: facts.customerId ?? null,
      status,
      statusRank: STATUS_RANK[status],
      totalCents: facts.totalCents ?? null,
      pointsRedeemed: facts.pointsRedeemed ?? null,
      pointsEarned: facts.pointsEarned ?? null,
      pointsAwarded: facts.pointsAwarded ?? null,
      rejectionReason: facts.rejectionReason ?? null,
      stock: facts.stock ?? "PENDING",
      paymentStatus: payment,
      paymentRank: PAYMENT_RANK[payment],
      paymentAmountCents: facts.paymentAmountCents ?? null,
      placedAt: facts.placed ? at : null,
      updatedAt: at,
    })
    .onConflictDoUpdate({
      target: viewOrders.orderId,
      set: {
        customerId: firstSeen("customer_id"),
        status: sql.raw(
          "CASE WHEN excluded.status_rank > status_rank THEN excluded.status ELSE status END",
        ),
        statusRank: sql.raw("MAX(status_rank, excluded.status_rank)"),
        totalCents: firstSeen("total_cents"),
        pointsRedeemed: firstSeen("points_redeemed"),
        pointsEarned: firstSeen("points_earned"),
        pointsAwarded: firstSeen("points_awarded"),
        rejectionReason: firstSeen("rejection_reason"),
        // PENDING < RESERVED < FAILED: an order on several inventory shards hears one answer per
        // shard, and one shard's failure fails the order's reservation whichever came first.
        stock: sql.raw(
          "CASE WHEN stock = 'FAILED' OR excluded.stock = 'PENDING' THEN stock ELSE excluded.stock END",
        ),
        paymentStatus: sql.raw(
          "CASE WHEN excluded.payment_rank > payment_rank THEN excluded.payment_status ELSE payment_status END",
        ),
        paymentRank: sql.raw("MAX(payment_rank, excluded.payment_rank)"),
        paymentAmountCents: firstSeen("payment_amount_cents"),
        placedAt: firstSeen("placed_at"),
        updatedAt: sql.raw("MAX(updated_at, excluded.updated_at)"),
      },
    });
}

/** D1 binds at most 100 parameters per statement; a line takes 4. */
const LINES_PER_STATEMENT = 20;

/** The order's lines as placed; a second copy of OrderPlaced changes nothing. */
export function insertLines(
  db: AnyD1Database,
  orderId: string,
  lines: { sku: string; quantity: number; unitPriceCents: number }[],
): Statement[] {
  const statements: Statement[] = [];
  for (let i = 0; i < lines.length; i += LINES_PER_STATEMENT)
    statements.push(
      db
        .insert(viewOrderLines)
        .values(lines.slice(i, i + LINES_PER_STATEMENT).map((l) => ({ orderId, ...l })))
        .onConflictDoNothing(),
    );
  return statements;
}
