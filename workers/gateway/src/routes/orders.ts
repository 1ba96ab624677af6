import type { Order, OrderPayment } from "@edge-saga/contracts";
import { orderRoutes, pathOf } from "@edge-saga/contracts/http";
import { callService } from "@edge-saga/shared";
import type { Context } from "hono";
import { orderRateLimit } from "../middleware/rate-limit";
import { forward, gatewayHeaders } from "../proxy/forward";
import type { GatewayEnv } from "../types";
import { checksOf, proxied, served } from "./served";

/**
 * The payment service's answer; before it heard of the order (its OrderPlaced is on its way),
 * the order's own: PENDING for what the card will pay, NOT_REQUIRED when points pay it all.
 */
async function orderPayment(c: Context<GatewayEnv>): Promise<Response> {
  const params = { id: c.req.param("id") ?? "" };
  const payment = await forward(c, "payment", pathOf(orderRoutes.getOrderPayment, params));
  if (payment.status !== 404) return payment;
  const orderPath = pathOf(orderRoutes.getOrder, params);
  // As the caller: the order service answers another customer's order 404, like any forward.
  const order = await callService(c.env, "order", orderPath, { headers: gatewayHeaders(c) });
  if (order.status !== 200) return forward(c, "order", orderPath);
  const { totalCents, pointsRedeemed } = await order.json<Order>();
  const amountCents = totalCents - pointsRedeemed;
  return c.json({
    orderId: params.id,
    status: amountCents > 0 ? "PENDING" : "NOT_REQUIRED",
    amountCents,
  } satisfies OrderPayment);
}

/** `/orders*` -> order (the trace: operations). Idempotency-Key travels with `POST /orders` (proxy/forward.ts). */
export const orders = [
  proxied(orderRoutes.placeOrder, "order", orderRateLimit),
  proxied(orderRoutes.listOrders, "order"),
  proxied(orderRoutes.getOrder, "order"),
  proxied(orderRoutes.getOrderHistory, "order"),
  served(orderRoutes.getOrderPayment, ...checksOf(orderRoutes.getOrderPayment), orderPayment),
  // The trace asks every service: under the order limit, so it cannot be used to flood them.
  proxied(orderRoutes.getOrderTrace, "operations", orderRateLimit),
  proxied(orderRoutes.cancelOrder, "order"),
];
