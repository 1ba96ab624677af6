import { serviceAdminRoutes } from "@edge-saga/contracts/http";
import { validate } from "@edge-saga/shared";
import { desc } from "drizzle-orm";
import { Hono } from "hono";
import { database } from "../db/client";
import { orders } from "../db/tables";

/**
 * `GET /admin/orders/recent?limit=20` -> `{ orders: [{ id, customerId, status, totalCents, ... }] }`,
 * newest first, every customer. For the operator's dashboard (the gateway serves it as
 * `GET /admin/order/orders/recent`, admin token required): ids are UUIDv7, so the primary key
 * is creation order and this is one index scan, however large the table.
 */
export const recentOrders = new Hono<{ Bindings: Env }>().get(
  "/",
  // The contract's query (the gateway's path differs from this one, so not app.openapi).
  validate("query", serviceAdminRoutes.getRecentOrders.request.query),
  async (c) => {
    const { limit } = c.req.valid("query");
    const rows = await database(c.env)
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
    return c.json({
      orders: rows.map((row) => ({
        ...row,
        createdAt: new Date(row.createdAt).toISOString(),
        updatedAt: new Date(row.updatedAt).toISOString(),
      })),
    });
  },
);
