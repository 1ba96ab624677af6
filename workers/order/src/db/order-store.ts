import type { Order } from "@edge-saga/contracts";
import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { SagaState } from "../domain/saga";
import { type OrderItemRow, type OrderRow, orderItems, orders, orderTransitions } from "./tables";

/** D1 allows 100 bound parameters per statement. */
const MAX_PARAMS = 100;

export function findOrder(db: AnyD1Database, id: string): Promise<OrderRow | undefined> {
  return db.select().from(orders).where(eq(orders.id, id)).get();
}

/** Lines of the given orders, each order's lines in the order they were placed. */
export async function findItems(
  db: AnyD1Database,
  orderIds: readonly string[],
): Promise<Map<string, OrderItemRow[]>> {
  const byOrder = new Map<string, OrderItemRow[]>(orderIds.map((id) => [id, []]));
  for (let i = 0; i < orderIds.length; i += MAX_PARAMS) {
    const rows = await db
      .select()
      .from(orderItems)
      .where(inArray(orderItems.orderId, orderIds.slice(i, i + MAX_PARAMS)))
      .orderBy(asc(orderItems.orderId), sql`rowid`);
    for (const row of rows) byOrder.get(row.orderId)?.push(row);
  }
  return byOrder;
}

export function sagaStateOf(row: OrderRow): SagaState {
  return {
    status: row.status,
    stockState: row.stockState,
    pointsState: row.pointsState,
    totalCents: row.totalCents,
    pointsRedeemed: row.pointsRedeemed,
    pointsEarned: row.pointsEarned,
    rejectionReason: row.rejectionReason,
    pointsAwarded: row.pointsAwardedAt !== null,
  };
}

/** The row after `next` is applied at `now`: one version later. */
export function changedRow(row: OrderRow, next: SagaState, now: number): OrderRow {
  return {
    ...row,
    status: next.status,
    stockState: next.stockState,
    pointsState: next.pointsState,
    pointsEarned: next.pointsEarned,
    rejectionReason: next.rejectionReason,
    version: row.version + 1,
    updatedAt: now,
    confirmedAt: next.status === "CONFIRMED" && row.confirmedAt === null ? now : row.confirmedAt,
    pointsAwardedAt: next.pointsAwarded && row.pointsAwardedAt === null ? now : row.pointsAwardedAt,
  };
}

export interface ChangeCause {
  /** Command or event type, for the history. */
  change: string;
  /** Id of the request or event. */
  cause: string;
  now: number;
}

/**
 * Statements moving `row` (as read) to `next`. The transition row for version + 1 is the
 * lock: if anyone changed the order since it was read, that row exists, its primary key
 * refuses this one and the whole batch rolls back (the UPDATE alone would just match nothing).
 */
export function changeStatements(
  db: AnyD1Database,
  row: OrderRow,
  next: SagaState,
  { change, cause, now }: ChangeCause,
): Statement[] {
  const after = changedRow(row, next, now);
  return [
    db
      .update(orders)
      .set({
        status: after.status,
        stockState: after.stockState,
        pointsState: after.pointsState,
        pointsEarned: after.pointsEarned,
        rejectionReason: after.rejectionReason,
        version: after.version,
        updatedAt: after.updatedAt,
        confirmedAt: after.confirmedAt,
        pointsAwardedAt: after.pointsAwardedAt,
      })
      .where(and(eq(orders.id, row.id), eq(orders.version, row.version))),
    db.insert(orderTransitions).values({
      orderId: row.id,
      version: after.version,
      fromStatus: row.status,
      toStatus: after.status,
      change,
      cause,
      at: now,
    }),
  ];
}

/** The API's Order JSON. */
export function toOrderJson(
  row: OrderRow,
  items: readonly Pick<OrderItemRow, "sku" | "quantity" | "unitPriceCents">[],
): Order {
  return {
    id: row.id,
    customerId: row.customerId,
    status: row.status,
    items: items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
    totalCents: row.totalCents,
    pointsRedeemed: row.pointsRedeemed,
    pointsEarned: row.pointsEarned,
    rejectionReason: row.rejectionReason,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
