import { createRoute, z } from "@hono/zod-openapi";
import { Order } from "../../index";
import { adminOnly, errors, json, TAGS, withRequestId } from "../describe";

/**
 * Services' own admin answers that the gateway forwards (`/admin/{service}/{path}`, documented
 * once as `getServiceAdmin`) and that tools read: described here so the typed client
 * (../client.ts) types them. Not mounted in the document: the forwarding route stands for them.
 */
export const serviceAdminRoutes = {
  getRecentOrders: createRoute({
    operationId: "getRecentOrders",
    method: "get",
    path: "/admin/order/orders/recent",
    tags: [TAGS.admin],
    summary: "Everyone's newest orders, without their lines",
    ...adminOnly,
    request: {
      query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
      headers: withRequestId(),
    },
    responses: {
      200: json("Newest first.", z.object({ orders: z.array(Order.omit({ items: true })) })),
      ...errors({ 400: "`VALIDATION_FAILED`: an invalid `limit`.", 502: "" }, true),
    },
  }),
};
