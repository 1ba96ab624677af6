import { Hono } from "hono";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";

/** `GET /customers/:id/orders` -> the view service's order history (mounted at `/customers`). */
export const customerOrders = new Hono<GatewayEnv>().get("/:id/orders", validIds, (c) =>
  forward(c, "view", `/customers/${c.req.param("id")}/orders`),
);
