import { orderSnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, everyShard, keysetPage } from "@edge-saga/shared";

/** Largest page a snapshot route answers: one page is two D1 queries per shard, whatever its size. */
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

type Line = { sku: string; quantity: number; unitPriceCents: number };

/** One shard's page after `after`: its orders by id, each with its lines. */
async function shardPage(db: D1Database, after: string, limit: number) {
  const { results: rows } = await db
    .prepare(
      `SELECT id, customer_id AS customerId, status, total_cents AS totalCents,
            points_redeemed AS pointsRedeemed, points_earned AS pointsEarned,
            rejection_reason AS rejectionReason
       FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2`,
    )
    .bind(after, limit)
    .all<OrderRow>();
  const first = rows[0];
  const last = rows.at(-1);
  const items = new Map<string, Line[]>();
  if (first && last) {
    const { results: lines } = await db
      .prepare(
        `SELECT order_id AS orderId, sku, quantity, unit_price_cents AS unitPriceCents
         FROM order_items WHERE order_id >= ?1 AND order_id <= ?2 ORDER BY order_id, sku`,
      )
      .bind(first.id, last.id)
      .all<Line & { orderId: string }>();
    for (const { orderId, ...line } of lines) {
      const list = items.get(orderId) ?? [];
      list.push(line);
      items.set(orderId, list);
    }
  }
  return rows.map((row) => ({ ...row, items: items.get(row.id) ?? [] }));
}

/**
 * Read-only snapshot of the saga's state for the consistency checker (operations): every order
 * with its lines, paged by id (keyset, so a page costs two queries a shard and no bound-parameter
 * list). `GET /admin/snapshot/orders?after=<last id>&limit=<<=1000>` -> `{ orders, next }`; `next`
 * is the `after` of the following page, null on the last one. On several shards each is read
 * from `after` and the pages merged by id, so one cursor walks them all; `shards` says how many
 * of the page's orders each shard gave (an added field: the rows keep their shape).
 */
export const adminSnapshot = contractRoutes<{ Bindings: Env }>().openapi(
  orderSnapshotRoutes.getOrderSnapshot,
  async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    const pages = await Promise.all(
      everyShard(c.env).map(async (env) =>
        (await shardPage(env.DB, after, limit)).map((order) => ({ order, shard: env.SHARD })),
      ),
    );
    const merged = pages
      .flat()
      .sort((a, b) => (a.order.id < b.order.id ? -1 : a.order.id > b.order.id ? 1 : 0))
      .slice(0, limit);
    const orders = merged.map((row) => row.order);
    const last = orders.at(-1);
    const shards = pages.map((_, shard) => ({
      shard,
      orders: merged.filter((row) => row.shard === shard).length,
    }));
    return c.json({ orders, next: orders.length === limit && last ? last.id : null, shards }, 200);
  },
);
