import { Hono } from "hono";

/** Largest page a snapshot route answers: one page is at most four D1 queries, whatever its size. */
export const SNAPSHOT_PAGE_MAX = 1000;

/** `?after=<key>&limit=<n>` of a keyset-paged snapshot route. */
function pageQuery(url: string): { after: string; limit: number } {
  const params = new URL(url).searchParams;
  const limit = Number(params.get("limit") ?? SNAPSHOT_PAGE_MAX);
  return {
    after: params.get("after") ?? "",
    limit:
      Number.isInteger(limit) && limit > 0 ? Math.min(limit, SNAPSHOT_PAGE_MAX) : SNAPSHOT_PAGE_MAX,
  };
}

interface LedgerSum {
  orderId: string;
  kind: string;
  points: number;
  entries: number;
}

/**
 * Read-only snapshot of rewards for the gateway's consistency checker, keyset-paged
 * (`?after=<last key>&limit=<<=1000>`, answer `{ <rows>, next }`, `next` null on the last page):
 * - `GET /admin/snapshot/accounts`: every account, plus its ledger's total and its grants.
 * - `GET /admin/snapshot/orders`: per order that rewards heard of, its hold, its award and its
 *   ledger entries summed per kind (with how many entries each kind has).
 */
export const adminSnapshot = new Hono<{ Bindings: Env }>()
  .get("/accounts", async (c) => {
    const { after, limit } = pageQuery(c.req.url);
    const { results } = await c.env.DB.prepare(
      `SELECT a.customer_id AS customerId, a.balance, a.reserved, a.lifetime_earned AS lifetimeEarned,
              COALESCE((SELECT sum(l.points) FROM ledger l WHERE l.customer_id = a.customer_id), 0) AS ledgerTotal,
              COALESCE((SELECT sum(l.points) FROM ledger l
                         WHERE l.customer_id = a.customer_id AND l.kind = 'GRANT'), 0) AS grants
         FROM accounts a WHERE a.customer_id > ?1 ORDER BY a.customer_id LIMIT ?2`,
    )
      .bind(after, limit)
      .all<{
        customerId: string;
        balance: number;
        reserved: number;
        lifetimeEarned: number;
        ledgerTotal: number;
        grants: number;
      }>();
    return c.json({
      accounts: results,
      next: results.length === limit ? (results.at(-1)?.customerId ?? null) : null,
    });
  })
  .get("/orders", async (c) => {
    const { after, limit } = pageQuery(c.req.url);
    const { results: ids } = await c.env.DB.prepare(
      `SELECT order_id AS orderId FROM (
          SELECT order_id FROM holds UNION SELECT order_id FROM awards
          UNION SELECT order_id FROM ledger WHERE order_id IS NOT NULL)
        WHERE order_id > ?1 ORDER BY order_id LIMIT ?2`,
    )
      .bind(after, limit)
      .all<{ orderId: string }>();
    const first = ids[0]?.orderId;
    const last = ids.at(-1)?.orderId;
    if (first === undefined || last === undefined) return c.json({ orders: [], next: null });
    const [holds, awards, ledger] = await c.env.DB.batch<Record<string, unknown>>([
      c.env.DB.prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, points, status FROM holds
          WHERE order_id >= ?1 AND order_id <= ?2`,
      ).bind(first, last),
      c.env.DB.prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, points, status FROM awards
          WHERE order_id >= ?1 AND order_id <= ?2`,
      ).bind(first, last),
      c.env.DB.prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, kind, sum(points) AS points,
                count(*) AS entries
           FROM ledger WHERE order_id >= ?1 AND order_id <= ?2 GROUP BY order_id, customer_id, kind`,
      ).bind(first, last),
    ]);
    type Part = { orderId: string; customerId: string; points: number; status: string };
    const holdOf = new Map(
      ((holds?.results ?? []) as unknown as Part[]).map((h) => [h.orderId, h]),
    );
    const awardOf = new Map(
      ((awards?.results ?? []) as unknown as Part[]).map((a) => [a.orderId, a]),
    );
    const ledgerOf = new Map<string, { customerId: string; sums: LedgerSum[] }>();
    for (const row of (ledger?.results ?? []) as unknown as (LedgerSum & {
      customerId: string;
    })[]) {
      const entry = ledgerOf.get(row.orderId) ?? { customerId: row.customerId, sums: [] };
      entry.sums.push({
        orderId: row.orderId,
        kind: row.kind,
        points: row.points,
        entries: row.entries,
      });
      ledgerOf.set(row.orderId, entry);
    }
    const orders = ids.map(({ orderId }) => {
      const hold = holdOf.get(orderId);
      const award = awardOf.get(orderId);
      const sums = ledgerOf.get(orderId);
      const ledgerByKind: Record<string, { points: number; entries: number }> = {};
      for (const s of sums?.sums ?? [])
        ledgerByKind[s.kind] = { points: s.points, entries: s.entries };
      return {
        orderId,
        customerId: hold?.customerId ?? award?.customerId ?? sums?.customerId ?? null,
        hold: hold ? { points: hold.points, status: hold.status } : null,
        award: award ? { points: award.points, status: award.status } : null,
        ledger: ledgerByKind,
      };
    });
    return c.json({ orders, next: ids.length === limit ? last : null });
  });
