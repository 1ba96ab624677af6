import type { CustomerOrder } from "@edge-saga/contracts";
import { orderRevision, type RevisedOrder } from "../domain/customer-order-list";
import {
  type OrderStatus,
  type PaymentStatus,
  reservationState,
  type StockAnswer,
} from "../domain/order-history";

interface OrderRow {
  orderId: string;
  customerId: string | null;
  status: OrderStatus;
  totalCents: number | null;
  pointsRedeemed: number | null;
  pointsEarned: number | null;
  pointsAwarded: number | null;
  rejectionReason: string | null;
  stock: StockAnswer;
  paymentStatus: PaymentStatus;
  paymentAmountCents: number | null;
  placedAt: number | null;
  updatedAt: number;
}

interface LineRow {
  orderId: string;
  sku: string;
  quantity: number;
  unitPriceCents: number;
  name: string | null;
  currentPriceCents: number | null;
  productVersion: number | null;
}

/** A row of the view as it is stored, merged so far; `createdAt` null until OrderPlaced arrived. */
export type StoredOrder = Omit<CustomerOrder, "customerId" | "createdAt"> & {
  customerId: string | null;
  createdAt: string | null;
};

const ORDER_COLUMNS = `order_id AS orderId, customer_id AS customerId, status,
  total_cents AS totalCents, points_redeemed AS pointsRedeemed, points_earned AS pointsEarned,
  points_awarded AS pointsAwarded, rejection_reason AS rejectionReason, stock,
  payment_status AS paymentStatus, payment_amount_cents AS paymentAmountCents,
  placed_at AS placedAt, updated_at AS updatedAt`;

/** The lines of `orderIds`, joined to the products' names and current prices. */
/** An order's lines with their product's current name and price (view_products). */
const LINE_QUERY = `SELECT l.order_id AS orderId, l.sku, l.quantity, l.unit_price_cents AS unitPriceCents,
       p.name, p.price_cents AS currentPriceCents, p.version AS productVersion
  FROM view_order_lines l LEFT JOIN view_products p ON p.sku = l.sku`;

async function linesOf(db: D1Database, orderIds: string[]): Promise<Map<string, LineRow[]>> {
  if (orderIds.length === 0) return new Map();
  // json_each: one bound parameter however many orders (D1 binds at most 100).
  const { results } = await db
    .prepare(
      `${LINE_QUERY} WHERE l.order_id IN (SELECT value FROM json_each(?)) ORDER BY l.order_id, l.sku`,
    )
    .bind(JSON.stringify(orderIds))
    .all<LineRow>();
  return byOrderId(results);
}

function byOrderId(lines: readonly LineRow[]): Map<string, LineRow[]> {
  const byOrder = new Map<string, LineRow[]>();
  for (const line of lines) {
    const own = byOrder.get(line.orderId) ?? [];
    own.push(line);
    byOrder.set(line.orderId, own);
  }
  return byOrder;
}

function toStored(row: OrderRow, lines: LineRow[]): StoredOrder {
  return {
    id: row.orderId,
    customerId: row.customerId,
    status: row.status,
    items: lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
      currentPriceCents: l.currentPriceCents,
    })),
    totalCents: row.totalCents ?? 0,
    pointsRedeemed: row.pointsRedeemed ?? 0,
    pointsEarned: row.pointsEarned ?? 0,
    pointsAwarded: row.pointsAwarded,
    rejectionReason: row.rejectionReason as CustomerOrder["rejectionReason"],
    reservation: reservationState(row.stock, row.status),
    payment: { status: row.paymentStatus, amountCents: row.paymentAmountCents },
    createdAt: row.placedAt === null ? null : new Date(row.placedAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

async function withLines(db: D1Database, rows: OrderRow[]): Promise<StoredOrder[]> {
  const lines = await linesOf(
    db,
    rows.map((r) => r.orderId),
  );
  return rows.map((row) => toStored(row, lines.get(row.orderId) ?? []));
}

/**
 * A customer's orders, newest first (ids are UUIDv7). Only orders whose OrderPlaced arrived
 * are listed: before it the view knows too little to show one.
 */
export async function customerOrders(
  db: D1Database,
  customerId: string,
  page: { cursor?: string; limit: number },
): Promise<{ orders: CustomerOrder[]; nextCursor: string | null }> {
  const { results } = await db
    .prepare(
      `SELECT ${ORDER_COLUMNS} FROM view_orders
        WHERE customer_id = ?1 AND placed_at IS NOT NULL AND (?2 IS NULL OR order_id < ?2)
        ORDER BY order_id DESC LIMIT ?3`,
    )
    .bind(customerId, page.cursor ?? null, page.limit + 1)
    .all<OrderRow>();
  const rows = results.slice(0, page.limit);
  const orders = (await withLines(db, rows)) as CustomerOrder[];
  return {
    orders,
    nextCursor: results.length > page.limit ? (rows.at(-1)?.orderId ?? null) : null,
  };
}

/** Every stored row, placed or not, by id: the consistency checker's and the tests' view of it. */
export async function storedOrdersPage(
  db: D1Database,
  after: string,
  limit: number,
): Promise<{ orders: StoredOrder[]; next: string | null }> {
  const { results } = await db
    .prepare(
      `SELECT ${ORDER_COLUMNS} FROM view_orders WHERE order_id > ? ORDER BY order_id LIMIT ?`,
    )
    .bind(after, limit)
    .all<OrderRow>();
  return {
    orders: await withLines(db, results),
    next: results.length === limit ? (results.at(-1)?.orderId ?? null) : null,
  };
}

/** The row's fill-once columns (order-projection.ts `firstSeen`). */
const FILL_ONCE = [
  "customerId",
  "totalCents",
  "pointsRedeemed",
  "pointsEarned",
  "pointsAwarded",
  "rejectionReason",
  "paymentAmountCents",
  "placedAt",
] as const;

const revisionOf = (row: OrderRow, lines: LineRow[]) =>
  orderRevision({
    status: row.status,
    paymentStatus: row.paymentStatus,
    stock: row.stock,
    filled: FILL_ONCE.filter((column) => row[column] !== null).length,
    updatedAt: row.updatedAt,
    productVersions: lines.map((line) => line.productVersion ?? 0),
  });

/**
 * Every placed order of each of `customerIds`, newest first, with its
 * revision: what the second store (KV) holds of them, read in one query plus one for the lines.
 */
export async function placedOrdersOf(
  db: D1Database,
  customerIds: string[],
): Promise<Map<string, RevisedOrder[]>> {
  const byCustomer = new Map<string, RevisedOrder[]>(customerIds.map((id) => [id, []]));
  if (customerIds.length === 0) return byCustomer;
  // One round trip: the orders and their lines, both picked by the customers (json_each: one
  // bound parameter however many). The projection reads twice per view batch.
  const placed = `SELECT order_id FROM view_orders
    WHERE customer_id IN (SELECT value FROM json_each(?)) AND placed_at IS NOT NULL`;
  const customers = JSON.stringify(customerIds);
  const [orders, lineRows] = await db.batch([
    db
      .prepare(
        `SELECT ${ORDER_COLUMNS} FROM view_orders WHERE order_id IN (${placed})
          ORDER BY order_id DESC`,
      )
      .bind(customers),
    db
      .prepare(`${LINE_QUERY} WHERE l.order_id IN (${placed}) ORDER BY l.order_id, l.sku`)
      .bind(customers),
  ]);
  const lines = byOrderId((lineRows?.results ?? []) as LineRow[]);
  for (const row of (orders?.results ?? []) as OrderRow[]) {
    const own = lines.get(row.orderId) ?? [];
    byCustomer.get(row.customerId as string)?.push({
      revision: revisionOf(row, own),
      order: toStored(row, own) as CustomerOrder,
    });
  }
  return byCustomer;
}

/**
 * The customers whose listed orders events about `orderIds` or products `skus` changed: the
 * orders' customers, and every customer with a line of one of the products.
 */
export async function customersTouched(
  db: D1Database,
  orderIds: string[],
  skus: string[],
): Promise<string[]> {
  if (orderIds.length === 0 && skus.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT DISTINCT customer_id AS customerId FROM view_orders
        WHERE customer_id IS NOT NULL AND placed_at IS NOT NULL
          AND (order_id IN (SELECT value FROM json_each(?1))
               OR order_id IN (SELECT order_id FROM view_order_lines
                                WHERE sku IN (SELECT value FROM json_each(?2))))`,
    )
    .bind(JSON.stringify(orderIds), JSON.stringify(skus))
    .all<{ customerId: string }>();
  return results.map((r) => r.customerId);
}

/** Customers with a placed order, by id after `after`: `limit` of them. */
export async function customersPage(
  db: D1Database,
  after: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT DISTINCT customer_id AS customerId FROM view_orders
        WHERE customer_id > ? AND placed_at IS NOT NULL ORDER BY customer_id LIMIT ?`,
    )
    .bind(after, limit)
    .all<{ customerId: string }>();
  return results.map((r) => r.customerId);
}

/**
 * Empties the projection and the inbox that dedupes into it, so a replay of the producers'
 * outboxes rebuilds it from scratch. Dead letters stay: they are the operator's.
 */
export async function clearProjection(db: D1Database): Promise<Record<string, number>> {
  const tables = ["view_order_lines", "view_orders", "view_products", "inbox"] as const;
  const results = await db.batch(tables.map((t) => db.prepare(`DELETE FROM ${t}`)));
  return Object.fromEntries(tables.map((t, i) => [t, results[i]?.meta.changes ?? 0]));
}
