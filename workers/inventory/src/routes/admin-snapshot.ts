import { inventorySnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, keysetPage } from "@edge-saga/shared";

/** Largest page a snapshot route answers: one page is at most two D1 queries, whatever its size. */
export const SNAPSHOT_PAGE_MAX = 1000;

/**
 * Read-only snapshot of inventory for the gateway's consistency checker, keyset-paged
 * (`?after=<last key>&limit=<<=1000>`, answer `{ <rows>, next }`, `next` null on the last page):
 * - `GET /admin/snapshot/products`: every SKU with its unit counters, `received` included.
 * - `GET /admin/snapshot/reservations`: what inventory did for each order, with its lines.
 */
export const adminSnapshot = contractRoutes<{ Bindings: Env }>()
  .openapi(inventorySnapshotRoutes.getProductSnapshot, async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    const { results } = await c.env.DB.prepare(
      `SELECT sku, available, reserved, sold, received FROM products
        WHERE sku > ?1 ORDER BY sku LIMIT ?2`,
    )
      .bind(after, limit)
      .all<{ sku: string; available: number; reserved: number; sold: number; received: number }>();
    return c.json(
      {
        products: results,
        next: results.length === limit ? (results.at(-1)?.sku ?? null) : null,
      },
      200,
    );
  })
  .openapi(inventorySnapshotRoutes.getReservationSnapshot, async (c) => {
    const { after, limit } = keysetPage(c.req.url, SNAPSHOT_PAGE_MAX);
    const { results: rows } = await c.env.DB.prepare(
      `SELECT order_id AS orderId, status FROM reservations
        WHERE order_id > ?1 ORDER BY order_id LIMIT ?2`,
    )
      .bind(after, limit)
      .all<{ orderId: string; status: string }>();
    const first = rows[0];
    const last = rows.at(-1);
    const lines = new Map<string, { sku: string; quantity: number }[]>();
    if (first && last) {
      const { results } = await c.env.DB.prepare(
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
    return c.json(
      {
        reservations: rows.map((row) => ({ ...row, lines: lines.get(row.orderId) ?? [] })),
        next: rows.length === limit && last ? last.orderId : null,
      },
      200,
    );
  });
