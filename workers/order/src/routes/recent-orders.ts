import { serviceAdminRoutes } from "@edge-saga/contracts/http";
import { everyShard, validate } from "@edge-saga/shared";
import { desc } from "drizzle-orm";
import { Hono } from "hono";
import { database } from "../db/client";
import { orders } from "../db/tables";

/**
 * `GET /admin/orders/recent?limit=20` -> `{ orders: [{ id, customerId, status, totalCents, ... }] }`,
 * newest first, every customer. For the operator's dashboard (the gateway serves it as
 * `GET /admin/order/orders/recent`, admin token required): ids are UUIDv7, so the primary key
 * is creation order and this is one index scan per shard, however large the tables. Each shard
 * gives its newest and the merge keeps the newest overall; each order says its `shard`, and
 * `shards` says how many of them each shard holds (additive fields).
 */
export const recentOrders = new Hono<{ Bindings: Env }>().get(
  "/",
  // The contract's query (the gateway's path differs from this one, so not app.openapi).
  validate("query", serviceAdminRoutes.getRecentOrders.request.query),
  async (c) => {
    const { limit } = c.req.valid("query");
    const perShard = await Promise.all(
      everyShard(c.env).map(async (env) => {
        const rows = await database(env)
          .select({
            id: orders.id,
            customerId: orders.customerId,
            status: orders.status,
            totalCents: orders.totalCents,
            pointsRedeemed: orders.pointsRedeemed,
            pointsEarned: orders.pointsEarned,
            rejectionReason: orders.rejectionReason,
            createdAt: orders.createdAt,
            updatedAt: orders.updatedAt,
          })
          .from(orders)
          .orderBy(desc(orders.id))
          .limit(limit);
        return rows.map((row) => ({ ...row, shard: env.SHARD }));
      }),
    );
    // Ids are time-ordered; the slot digits at their end only break ties within a millisecond.
    const newest = perShard
      .flat()
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit);
    return c.json({
      orders: newest.map((row) => ({
        ...row,
        createdAt: new Date(row.createdAt).toISOString(),
        updatedAt: new Date(row.updatedAt).toISOString(),
      })),
      shards: perShard.map((_, shard) => ({
        shard,
        orders: newest.filter((row) => row.shard === shard).length,
      })),
    });
  },
);
