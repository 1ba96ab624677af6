import { inventorySnapshotRoutes } from "@edge-saga/contracts/http";
import {
  contractRoutes,
  everyShard,
  keysetPage,
  keysetPageOverShards,
  shardCount,
} from "@edge-saga/shared";
import { mergeKeysetPages, mergeReservations } from "../domain/shard-snapshots";

/** Largest page a snapshot route answers: one page is at most two D1 queries, whatever its size. */
export const SNAPSHOT_PAGE_MAX = 1000;

interface ProductCounters {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
  received: number;
}

interface ReservationRow {
  orderId: string;
  status: string;
  lines: { sku: string; quantity: number }[];
}

/** One database's products after `after`, by SKU. */
async function productPage(db: D1Database, after: string, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT sku, available, reserved, sold, received FROM products
        WHERE sku > ?1 ORDER BY sku LIMIT ?2`,
    )
    .bind(after, limit)
    .all<ProductCounters>();
  return results;
}

/** One database's reservations after `after`, by order id, each with its lines. */
async function reservationPage(
  db: D1Database,
  after: string,
  limit: number,
): Promise<ReservationRow[]> {
  const { results: rows } = await db
    .prepare(
      `SELECT order_id AS orderId, status FROM reservations
        WHERE order_id > ?1 ORDER BY order_id LIMIT ?2`,
    )
    .bind(after, limit)
    .all<{ orderId: string; status: string }>();
  const first = rows[0];
  const last = rows.at(-1);
  const lines = new Map<string, { sku: string; quantity: number }[]>();
  if (first && last) {
    const { results } = await db
      .prepare(
        `SELECT order_id AS orderId, sku, quantity FROM reservation_lines
          WHERE order_id >= ?1 AND order_id <= ?2 ORDER BY order_id, sku`,
      )
      .bind(first.orderId, last.orderId)
      .all<{ orderId: string; sku: string; quantity: number }>();
    for (const { orderId, ...line } of results) {
      const list = lines.get(orderId) ?? [];
      list.push(line);
      lines.set(orderId, list);
    }
  }
  return rows.map((row) => ({ ...row, lines: lines.get(row.orderId) ?? [] }));
}

/**
 * Read-only snapshot of inventory for the gateway's consistency checker, keyset-paged
 * (`?after=<last key>&limit=<<=1000>`, answer `{ <rows>, next }`, `next` null on the last page):
 * - `GET /admin/snapshot/products`: every SKU with its unit counters, `received` included.
 * - `GET /admin/snapshot/reservations`: what inventory did for each order, with its lines.
 * On several shards both read every shard, one page over all of them: a product says its
 * `shard`; an order is one row (its lines from every shard, the status that holds most, see
 * `combinedStatus`) whose `shards` says what each shard holding a row for it did.
 */
export const adminSnapshot = contractRoutes<{ Bindings: Env }>()
  .openapi(inventorySnapshotRoutes.getProductSnapshot, async (c) => {
    // A SKU lives on one shard: one page over all of them, each row naming its shard.
    const { rows, next } = await keysetPageOverShards(
      c.env,
      c.req.url,
      SNAPSHOT_PAGE_MAX,
      (shard, after, limit) => productPage(shard.DB, after, limit),
      (p) => p.sku,
    );
    return c.json({ products: rows, next }, 200);
  })
  .openapi(inventorySnapshotRoutes.getReservationSnapshot, async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    if (shardCount(c.env) === 1) {
      const rows = await reservationPage(c.env.DB, after, limit);
      return c.json(
        {
          reservations: rows,
          next: rows.length === limit ? (rows.at(-1)?.orderId ?? null) : null,
        },
        200,
      );
    }
    const pages = await Promise.all(
      everyShard(c.env).map(async (env) => ({
        shard: env.SHARD,
        rows: await reservationPage(env.DB, after, limit),
      })),
    );
    const { rows, next } = mergeKeysetPages(pages, (r) => r.orderId, limit);
    return c.json({ reservations: mergeReservations(rows), next }, 200);
  });
