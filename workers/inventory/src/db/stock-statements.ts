import type { AnyD1Database } from "@edge-saga/shared";
import { and, eq, exists, type SQL, sql } from "drizzle-orm";
import type { ReservationStatus } from "../domain/reservation-lifecycle";
import { type StockMove, unitDeltas } from "../domain/stock-moves";
import { products, reservations } from "./schema";

/** SQL condition: the order's reservation is in `status` when the statement runs. */
export function reservationIs(db: AnyD1Database, orderId: string, status: ReservationStatus): SQL {
  return exists(
    db
      .select({ one: sql`1` })
      .from(reservations)
      .where(and(eq(reservations.orderId, orderId), eq(reservations.status, status))),
  );
}

/**
 * Moves `quantity` units of `sku` between its counters, only while `guard` holds.
 * The products CHECKs refuse a move that would take a counter below zero, which
 * rolls back the whole batch: that is what stops overselling.
 */
export function moveUnits(
  db: AnyD1Database,
  sku: string,
  quantity: number,
  move: StockMove,
  now: number,
  guard?: SQL,
) {
  const d = unitDeltas(move, quantity);
  return db
    .update(products)
    .set({
      available: sql`${products.available} + ${d.available}`,
      reserved: sql`${products.reserved} + ${d.reserved}`,
      sold: sql`${products.sold} + ${d.sold}`,
      updatedAt: now,
    })
    .where(and(eq(products.sku, sku), guard));
}

/**
 * Moves the order's reservation from `from` to `to`. If another delivery moved it
 * since the handler read it, the CASE yields NULL and the NOT NULL constraint fails
 * the batch (SQLite has no assertion statement): the kit then re-runs the handler
 * on fresh state instead of committing an event that silently changed nothing.
 */
export function changeStatus(
  db: AnyD1Database,
  orderId: string,
  from: ReservationStatus,
  to: ReservationStatus,
  now: number,
) {
  return db
    .update(reservations)
    .set({
      status: sql`CASE WHEN ${reservations.status} = ${from} THEN ${to} END`,
      updatedAt: now,
    })
    .where(eq(reservations.orderId, orderId));
}
