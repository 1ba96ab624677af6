import { orderSnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, keysetPage } from "@edge-saga/shared";

/** Largest page a snapshot route answers: one page is two D1 queries, whatever its size. */
export const SNAPSHOT_PAGE_MAX = 1000;

interface OrderRow {
  id: string;
  customerId: string;
  status: string;
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  /** Why a REJECTED order was rejected (TIMED_OUT: the saga deadline); null otherwise. */
  rejectionReason: string | null;
}

/**
 * Read-only snapshot of the saga's state for the consistency checker (operations): every order
 * with its lines, paged by id (keyset, so a page costs two queries and no bound-parameter list).
 * `GET /admin/snapshot/orders?after=<last id>&limit=<<=1000>` -> `{ orders, next }`; `next` is
 * the `after` of the following page, null on the last one.
 */
export const adminSnapshot = contractRoutes<{ Bindings: Env }>().openapi(
  orderSnapshotRoutes.getOrderSnapshot,
  async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    const { results: rows } = await c.env.DB.prepare(
      `SELECT id, customer_id AS customerId, status, total_cents AS totalCents,
            points_redeemed AS pointsRedeemed, points_earned AS pointsEarned,
            rejection_reason AS rejectionReason
       FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2`,
    )
      .bind(after, limit)
      .all<OrderRow>();
    const first = rows[0];
    const last = rows.at(-1);
    const items = new Map<string, { sku: string; quantity: number; unitPriceCents: number }[]>();
    if (first && last) {
      const { results: lines } = await c.env.DB.prepare(
        `SELECT order_id AS orderId, sku, quantity, unit_price_cents AS unitPriceCents
         FROM order_items WHERE order_id >= ?1 AND order_id <= ?2 ORDER BY order_id, sku`,
      )
        .bind(first.id, last.id)
        .all<{ orderId: string; sku: string; quantity: number; unitPriceCents: number }>();
      for (const { orderId, ...line } of lines) {
        const list = items.get(orderId) ?? [];
        list.push(line);
        items.set(orderId, list);
      }
    }
    return c.json(
      {
        orders: rows.map((row) => ({ ...row, items: items.get(row.id) ?? [] })),
        next: rows.length === limit && last ? last.id : null,
      },
      200,
    );
  },
);
