import { orderRoutes } from "@edge-saga/contracts/http";
import { jsonBody } from "../middleware/json-body";
import { orderRateLimit } from "../middleware/rate-limit";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import { served } from "./served";

/** `/orders*` -> order (the trace: operations). Idempotency-Key travels with `POST /orders` (proxy/forward.ts). */
export const orders = [
  served(orderRoutes.placeOrder, orderRateLimit, jsonBody({ required: true }), (c) =>
    forward(c, "order", "/orders"),
  ),
  served(orderRoutes.listOrders, (c) => forward(c, "order", "/orders")),
  served(orderRoutes.getOrder, validIds, (c) =>
    forward(c, "order", `/orders/${c.req.param("id")}`),
  ),
  served(orderRoutes.getOrderHistory, validIds, (c) =>
    forward(c, "order", `/orders/${c.req.param("id")}/history`),
  ),
  served(orderRoutes.getOrderTrace, validIds, (c) =>
    forward(c, "operations", `/orders/${c.req.param("id")}/trace`),
  ),
  served(orderRoutes.cancelOrder, validIds, jsonBody({ required: false }), (c) =>
    forward(c, "order", `/orders/${c.req.param("id")}/cancel`),
  ),
];
