import type { CustomerOrder, CustomerOrders } from "@edge-saga/contracts";
import {
  type OrderStatus,
  PAYMENT_RANK,
  type PaymentStatus,
  STATUS_RANK,
  type StockAnswer,
} from "./order-history";

/**
 * The rules of a customer's order list as the second store (Workers KV) holds it. KV has no
 * transactions, so a write must be safe to land late or twice: each order carries its revision
 * and a write keeps, order by order, the higher one. Pure, so tests hold them without the runtime.
 */

/** Rank of inventory's answer, as the merge keeps it (order-projection.ts): FAILED wins. */
const STOCK_RANK: Record<StockAnswer, number> = { PENDING: 0, RESERVED: 1, FAILED: 2 };

/** What an order's revision is computed from: its stored row and its lines' products. */
export interface RevisionParts {
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  stock: StockAnswer;
  /** How many of the row's fill-once columns are filled (customer, total, points ...). */
  filled: number;
  /** Latest occurredAt of its events, epoch ms. */
  updatedAt: number;
  /** The versions (ProductUpserted sequences) of its lines' products, 0 for one not heard of. */
  productVersions: number[];
}

/**
 * The order's revision: its height in the view's merge lattice. Every merge that changes what
 * the customer sees raises a term (a rank, a filled column, the latest event time, a product's
 * version) and none ever lowers one, so of two reads of the same order from D1 the later has the
 * higher revision, or the same when nothing changed. Events from four producers build the row,
 * so no single producer's sequence could say this.
 * @example orderRevision(parts) < orderRevision({ ...parts, status: "CANCELLED" })
 */
export function orderRevision(p: RevisionParts): number {
  return (
    STATUS_RANK[p.status] +
    PAYMENT_RANK[p.paymentStatus] +
    STOCK_RANK[p.stock] +
    p.filled +
    p.productVersions.reduce((sum, v) => sum + v, 0) +
    p.updatedAt
  );
}

/** One order of the list, with the revision it reflects. */
export interface RevisedOrder {
  revision: number;
  order: CustomerOrder;
}

/** A customer's list in KV: her placed orders, newest first, as D1 held them at `projectedAt`. */
export interface StoredOrderList {
  /** When the D1 read this came from was made, epoch ms: the answer is no older than that. */
  projectedAt: number;
  orders: RevisedOrder[];
}

/**
 * `held` with each order of `fresh` that is newer (higher revision) or new; an order only in
 * `held` stays (a read that started earlier may lack it). Newest first, as D1 lists them.
 */
export function mergeNewer(held: RevisedOrder[], fresh: RevisedOrder[]): RevisedOrder[] {
  const byId = new Map(held.map((entry) => [entry.order.id, entry]));
  for (const entry of fresh) {
    const current = byId.get(entry.order.id);
    if (!current || current.revision < entry.revision) byId.set(entry.order.id, entry);
  }
  // Ids are UUIDv7: newest first by id.
  return [...byId.values()].sort((a, b) => (a.order.id < b.order.id ? 1 : -1));
}

/** Whether `list` already holds every order of `d1` at its revision (the projection caught up). */
export function holdsAll(list: RevisedOrder[], d1: RevisedOrder[]): boolean {
  const held = new Map(list.map((entry) => [entry.order.id, entry.revision]));
  return d1.every((entry) => held.get(entry.order.id) === entry.revision);
}

/** Whether the list may answer: projected from D1 at most `maxAgeSeconds` before `now`. */
export const isFreshEnough = (list: StoredOrderList, now: number, maxAgeSeconds: number) =>
  now - list.projectedAt <= maxAgeSeconds * 1000;

/** One page of the list, as D1 pages it: ids below `cursor`, newest first, `limit` of them. */
export function pageOf(
  list: StoredOrderList,
  page: { cursor?: string; limit: number },
): CustomerOrders {
  const { cursor } = page;
  const after = cursor === undefined ? list.orders : list.orders.filter((e) => e.order.id < cursor);
  const orders = after.slice(0, page.limit).map((e) => e.order);
  return {
    orders,
    nextCursor: after.length > page.limit ? (orders.at(-1)?.id ?? null) : null,
  };
}
