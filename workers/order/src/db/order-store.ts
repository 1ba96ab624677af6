import type { Order, WritePath } from "@edge-saga/contracts";
import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { initialState, type SagaState } from "../domain/saga";
import { type OrderItemRow, type OrderRow, orderItems, orders, orderTransitions } from "./tables";

/** D1 allows 100 bound parameters per statement. */
const MAX_PARAMS = 100;
/** 4 bound parameters per line: 25 lines is D1's 100-parameter limit; stay below it. */
const ITEMS_PER_INSERT = 20;

export type OrderLineRow = Pick<OrderItemRow, "sku" | "quantity" | "unitPriceCents">;

/** A new order as it is accepted: PENDING, version 1. */
export function placedRow(p: {
  id: string;
  customerId: string;
  totalCents: number;
  pointsRedeemed: number;
  paymentMethod: string | null;
  createdAt: number;
  writePath: WritePath;
}): OrderRow {
  const saga = initialState(p.totalCents, p.pointsRedeemed);
  return {
    id: p.id,
    customerId: p.customerId,
    status: saga.status,
    totalCents: saga.totalCents,
    pointsRedeemed: saga.pointsRedeemed,
    pointsEarned: saga.pointsEarned,
    rejectionReason: saga.rejectionReason,
    stockState: saga.stockState,
    pointsState: saga.pointsState,
    paymentState: saga.paymentState,
    paymentMethod: p.paymentMethod,
    version: 1,
    createdAt: p.createdAt,
    updatedAt: p.createdAt,
    confirmedAt: null,
    pointsAwardedAt: null,
    writePath: p.writePath,
  };
}

/**
 * Statements creating order `row` with its lines and its first transition (`cause`: the request
 * that placed it). `guardedStatus` replaces the status written, for a guard that rolls the
 * batch back (NOT NULL) when the world changed since it was read. The transition goes last:
 * on the cdc path its insert fires the trigger that writes OrderPlaced from the rows before it.
 */
export function creationStatements(
  db: AnyD1Database,
  row: OrderRow,
  lines: readonly OrderLineRow[],
  p: { cause: string; guardedStatus?: SQL },
): Statement[] {
  const statements: Statement[] = [
    db.insert(orders).values({ ...row, status: p.guardedStatus ?? row.status }),
  ];
  for (let i = 0; i < lines.length; i += ITEMS_PER_INSERT) {
    const chunk = lines.slice(i, i + ITEMS_PER_INSERT);
    statements.push(db.insert(orderItems).values(chunk.map((l) => ({ orderId: row.id, ...l }))));
  }
  statements.push(
    transitionInsert(
      db,
      null,
      { ...row, version: 1, status: "PENDING" },
      {
        change: "PlaceOrder",
        cause: p.cause,
        now: row.createdAt,
      },
    ),
  );
  return statements;
}

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
    paymentState: row.paymentState,
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
    paymentState: next.paymentState,
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
        paymentState: after.paymentState,
        pointsEarned: after.pointsEarned,
        rejectionReason: after.rejectionReason,
        version: after.version,
        updatedAt: after.updatedAt,
        confirmedAt: after.confirmedAt,
        pointsAwardedAt: after.pointsAwardedAt,
      })
      .where(and(eq(orders.id, row.id), eq(orders.version, row.version))),
    transitionInsert(db, row, after, { change, cause, now }),
  ];
}

/**
 * The history row of the change from `before` (null: the order's creation) to `after`, at
 * `after`'s version: the primary key (order, version) is the order's lock.
 */
export function transitionInsert(
  db: AnyD1Database,
  before: Pick<OrderRow, "status"> | null,
  after: Pick<OrderRow, "id" | "version" | "status">,
  { change, cause, now }: ChangeCause,
): Statement {
  return db.insert(orderTransitions).values({
    orderId: after.id,
    version: after.version,
    fromStatus: before?.status ?? null,
    toStatus: after.status,
    change,
    cause,
    at: now,
  });
}

/** The API's Order JSON. */
export function toOrderJson(row: OrderRow, items: readonly OrderLineRow[]): Order {
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
