import { type Order, type OrderPayment, REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { orderRoutes } from "@edge-saga/contracts/http";
import { callService } from "@edge-saga/shared";
import type { Context } from "hono";
import { jsonBody } from "../middleware/json-body";
import { orderRateLimit } from "../middleware/rate-limit";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";
import { served } from "./served";

/**
 * The payment service's answer; before it heard of the order (its OrderPlaced is on its way),
 * the order's own: PENDING for what the card will pay, NOT_REQUIRED when points pay it all.
 */
async function orderPayment(c: Context<GatewayEnv>, id: string): Promise<Response> {
  const payment = await forward(c, "payment", `/payments/${id}`);
  if (payment.status !== 404) return payment;
  const order = await callService(c.env, "order", `/orders/${id}`, {
    headers: { [REQUEST_ID_HEADER]: c.get("requestId") },
  });
  if (order.status !== 200) return forward(c, "order", `/orders/${id}`);
  const { totalCents, pointsRedeemed } = await order.json<Order>();
  const amountCents = totalCents - pointsRedeemed;
  return c.json({
    orderId: id,
    status: amountCents > 0 ? "PENDING" : "NOT_REQUIRED",
    amountCents,
  } satisfies OrderPayment);
}

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
  served(orderRoutes.getOrderPayment, validIds, (c) => orderPayment(c, `${c.req.param("id")}`)),
  served(orderRoutes.getOrderTrace, validIds, (c) =>
    forward(c, "operations", `/orders/${c.req.param("id")}/trace`),
  ),
  served(orderRoutes.cancelOrder, validIds, jsonBody({ required: false }), (c) =>
    forward(c, "order", `/orders/${c.req.param("id")}/cancel`),
  ),
];
