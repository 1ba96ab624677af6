import { rewardsSnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, keysetPageOverShards } from "@edge-saga/shared";
import { parseState, resume } from "../db/account-store";
import { type AccountEvent, initialState } from "../domain/points-account";
import { BALANCE_KINDS } from "../domain/statuses";

/** Largest page a snapshot route answers: one page is at most four D1 queries, whatever its size. */
export const SNAPSHOT_PAGE_MAX = 1000;

interface LedgerSum {
  orderId: string;
  kind: string;
  points: number;
  entries: number;
}

/**
 * Read-only snapshot of rewards for the gateway's consistency checker, keyset-paged
 * (`?after=<last key>&limit=<<=1000>`, answer `{ <rows>, next }`, `next` null on the last page):
 * - `GET /admin/snapshot/accounts`: every account (folded from its ledger like every read), plus
 *   its ledger's total and its grants summed by SQL.
 * - `GET /admin/snapshot/orders`: per order that rewards heard of, its hold, its award and its
 *   balance-changing ledger entries summed per kind (with how many entries each kind has).
 * Both read every shard (one account or order lives on one); on several, each row names its
 * `shard`.
 */
export const adminSnapshot = contractRoutes<{ Bindings: Env }>()
  .openapi(rewardsSnapshotRoutes.getAccountSnapshot, async (c) => {
    const { rows, next } = await keysetPageOverShards(
      c.env,
      c.req.url,
      SNAPSHOT_PAGE_MAX,
      (shard, after, limit) => accountsAfter(shard.DB, after, limit),
      (account) => account.customerId,
    );
    return c.json({ accounts: rows, next }, 200);
  })
  .openapi(rewardsSnapshotRoutes.getRewardOrderSnapshot, async (c) => {
    const { rows, next } = await keysetPageOverShards(
      c.env,
      c.req.url,
      SNAPSHOT_PAGE_MAX,
      (shard, after, limit) => ordersAfter(shard.DB, after, limit),
      (order) => order.orderId,
    );
    return c.json({ orders: rows, next }, 200);
  });

/** One shard's first `limit` accounts after `after`, by customer id. */
async function accountsAfter(db: D1Database, after: string, limit: number) {
  const { results: ids } = await db
    .prepare(
      `SELECT DISTINCT customer_id AS customerId FROM ledger
        WHERE customer_id > ?1 ORDER BY customer_id LIMIT ?2`,
    )
    .bind(after, limit)
    .all<{ customerId: string }>();
  const first = ids[0]?.customerId;
  const last = ids.at(-1)?.customerId;
  if (first === undefined || last === undefined) return [];
  // One transaction: the snapshots, the entries after them and the sums agree.
  const [snapshots, tails, sums] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT customer_id AS customerId, max(version) AS version, state FROM account_snapshots
          WHERE customer_id >= ?1 AND customer_id <= ?2 GROUP BY customer_id`,
      )
      .bind(first, last),
    db
      .prepare(
        `SELECT l.customer_id AS customerId, l.seq, l.kind, l.points, l.reserved FROM ledger l
          WHERE l.customer_id >= ?1 AND l.customer_id <= ?2
            AND l.seq > COALESCE((SELECT max(s.version) FROM account_snapshots s
                                   WHERE s.customer_id = l.customer_id), 0)
          ORDER BY l.customer_id, l.seq`,
      )
      .bind(first, last),
    // Summed by SQL, apart from the fold: the checker compares the two.
    db
      .prepare(
        `SELECT customer_id AS customerId, sum(points) AS ledgerTotal,
                sum(CASE WHEN kind = 'GRANT' THEN points ELSE 0 END) AS grants
           FROM ledger WHERE customer_id >= ?1 AND customer_id <= ?2 GROUP BY customer_id`,
      )
      .bind(first, last),
  ]);
  type Snapshot = { customerId: string; version: number; state: string };
  type Entry = AccountEvent & { customerId: string; seq: number };
  type Sums = { customerId: string; ledgerTotal: number; grants: number };
  const snapshotOf = new Map(
    ((snapshots?.results ?? []) as unknown as Snapshot[]).map((s) => [s.customerId, s]),
  );
  const tailOf = new Map<string, Entry[]>();
  for (const entry of (tails?.results ?? []) as unknown as Entry[])
    tailOf.set(entry.customerId, [...(tailOf.get(entry.customerId) ?? []), entry]);
  const sumsOf = new Map(
    ((sums?.results ?? []) as unknown as Sums[]).map((s) => [s.customerId, s]),
  );
  const accounts = ids.map(({ customerId }) => {
    const snapshot = snapshotOf.get(customerId);
    const { state } = resume(
      customerId,
      snapshot
        ? { version: snapshot.version, state: parseState(snapshot.state) }
        : { version: 0, state: initialState },
      tailOf.get(customerId) ?? [],
    );
    const sum = sumsOf.get(customerId);
    return {
      customerId,
      ...state,
      ledgerTotal: sum?.ledgerTotal ?? 0,
      grants: sum?.grants ?? 0,
    };
  });
  return accounts;
}

/** One shard's first `limit` orders after `after`, by order id. */
async function ordersAfter(db: D1Database, after: string, limit: number) {
  const { results: ids } = await db
    .prepare(
      `SELECT order_id AS orderId FROM (
          SELECT order_id FROM holds UNION SELECT order_id FROM awards
          UNION SELECT order_id FROM ledger WHERE order_id IS NOT NULL)
        WHERE order_id > ?1 ORDER BY order_id LIMIT ?2`,
    )
    .bind(after, limit)
    .all<{ orderId: string }>();
  const first = ids[0]?.orderId;
  const last = ids.at(-1)?.orderId;
  if (first === undefined || last === undefined) return [];
  const [holds, awards, ledger] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, points, status FROM holds
          WHERE order_id >= ?1 AND order_id <= ?2`,
      )
      .bind(first, last),
    db
      .prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, points, status FROM awards
          WHERE order_id >= ?1 AND order_id <= ?2`,
      )
      .bind(first, last),
    db
      .prepare(
        `SELECT order_id AS orderId, customer_id AS customerId, kind, sum(points) AS points,
                count(*) AS entries
           FROM ledger WHERE order_id >= ?1 AND order_id <= ?2
                AND kind IN (${BALANCE_KINDS.map((k) => `'${k}'`).join(", ")})
          GROUP BY order_id, customer_id, kind`,
      )
      .bind(first, last),
  ]);
  type Part = { orderId: string; customerId: string; points: number; status: string };
  const holdOf = new Map(((holds?.results ?? []) as unknown as Part[]).map((h) => [h.orderId, h]));
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
  return orders;
}
