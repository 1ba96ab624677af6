import { viewSnapshotRoutes } from "@edge-saga/contracts/http";
import { contractRoutes, everyShard, keysetPageOverShards } from "@edge-saga/shared";
import { clearProjection, storedOrdersPage } from "../db/order-history-store";
import { checkOrderLists, rebuildOrderLists } from "../kv/order-list-admin";
import { clearOrderLists } from "../kv/order-list-store";

/** Largest page of the snapshot route (a page is two queries whatever its size). */
const SNAPSHOT_PAGE_MAX = 1000;

/**
 * Operator routes of the read model (the gateway serves them under `/admin/view/...`), over
 * every shard:
 * - `GET /admin/snapshot/orders?after=&limit=` -> `{ orders, next }`: every row by id, for the
 *   consistency checker and the rebuild check. A row is a CustomerOrder except that `customerId`
 *   and `createdAt` are null until its OrderPlaced arrived; `payment: { status, amountCents }` is
 *   what the payment events said (PENDING / null before any; NOT_REQUIRED / 0 when points paid).
 *   On several shards each row names its `shard`.
 * - `POST /admin/projection/rebuild`: empties the projection and its inbox on every shard, and
 *   the customers' order lists in KV (`cleared`: rows per table, summed, and `order-lists-kv`;
 *   on several shards `shards` says each one's); then `npm run replay -- --to view` refills both
 *   from the producers' outboxes.
 * - `GET /admin/projection/order-lists?customerId=` -> `{ customers, differing }`: each
 *   customer's order list in KV compared with her orders in D1 (the chaos run's check).
 * - `POST /admin/projection/order-lists/rebuild?customerId=` -> `{ customers, lagging }`: the
 *   KV lists recomputed from D1, one customer's or every one's; idempotent.
 */
export const adminProjection = contractRoutes<{ Bindings: Env }>()
  .openapi(viewSnapshotRoutes.getViewSnapshot, async (c) => {
    const { rows, next } = await keysetPageOverShards(
      c.env,
      c.req.url,
      SNAPSHOT_PAGE_MAX,
      async (shard, after, limit) => (await storedOrdersPage(shard.DB, after, limit)).orders,
      (order) => order.id,
    );
    return c.json({ orders: rows, next }, 200);
  })
  .post("/projection/rebuild", async (c) => {
    const shards = everyShard(c.env);
    const each = await Promise.all(shards.map((shard) => clearProjection(shard.DB)));
    const cleared: Record<string, number> = {};
    for (const counts of each)
      for (const [table, n] of Object.entries(counts)) cleared[table] = (cleared[table] ?? 0) + n;
    cleared["order-lists-kv"] = await clearOrderLists(c.env.CUSTOMER_ORDERS_KV);
    if (shards.length === 1) return c.json({ cleared });
    return c.json({ cleared, shards: each.map((counts, shard) => ({ shard, cleared: counts })) });
  })
  .get("/projection/order-lists", async (c) =>
    c.json(await checkOrderLists(c.env, c.req.query("customerId"))),
  )
  .post("/projection/order-lists/rebuild", async (c) =>
    c.json(await rebuildOrderLists(c.env, c.req.query("customerId"))),
  );
