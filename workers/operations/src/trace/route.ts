import {
  catalog,
  Order,
  OrderPayment,
  REQUEST_ID_HEADER,
  ServiceTrace,
} from "@edge-saga/contracts";
import { orderRoutes, pathOf } from "@edge-saga/contracts/http";
import {
  CALLER_HEADER,
  type Caller,
  callerHeaderValue,
  callerOf,
  callService,
  HttpError,
  mayActFor,
} from "@edge-saga/shared";
import type { Context } from "hono";
import type { z } from "zod";
import { type OperationsEnv, SERVICES, type ServiceName } from "../types";
import { composeTrace, unexplainedDeliveries } from "./compose";
import { publicView } from "./public-view";

/**
 * One JSON call to a service, as `caller` when given (a public route, which acts only for its
 * caller); anything but a 2xx with the expected shape is a 502.
 */
async function fetchFrom<T>(
  c: Context<OperationsEnv>,
  service: ServiceName,
  path: string,
  schema: z.ZodType<T>,
  caller?: Caller,
): Promise<{ status: number; body?: T }> {
  const res = await callService(c.env, service, path, {
    headers: {
      accept: "application/json",
      [REQUEST_ID_HEADER]: c.get("requestId"),
      ...(caller ? { [CALLER_HEADER]: callerHeaderValue(caller) } : {}),
    },
  });
  if (res.status === 404) return { status: 404 };
  const parsed = schema.safeParse(res.ok ? await res.json().catch(() => null) : null);
  if (!parsed.success)
    throw new HttpError(502, "UPSTREAM_FAILED", `${service} answered ${res.status} to ${path}`);
  return { status: res.status, body: parsed.data };
}

/**
 * `GET /orders/{id}/trace` (public, like the order): the order's saga across the services,
 * composed from each one's kit route `/admin/trace/{id}` (the payment service's lists its card
 * processor calls with their attempts), asked in parallel with the order itself and its payment
 * (`GET /orders/{id}/payment`, 404 until the payment service heard of the order: null).
 * A subscriber that acknowledged an event it did not apply is asked once more, for that
 * event's dead letter by id (unexplainedDeliveries; a healthy saga needs no such call).
 * 404 `NOT_FOUND` when the order service does not know the order, and the same for
 * another customer's order: the order and its payment are read as the caller the gateway
 * verified (forwarded, so those services refuse as they would her), and the order's customer
 * is checked here too before anything of the kit's traces is shown. Without the admin token
 * the answer holds no internal text (public-view.ts); an operator sees any order, in full.
 */
export async function orderTrace(c: Context<OperationsEnv>): Promise<Response> {
  const caller = callerOf(c);
  const id = c.req.param("id") ?? "";
  const [order, payment, ...traces] = await Promise.all([
    fetchFrom(c, "order", `/orders/${id}`, Order, caller),
    fetchFrom(c, "payment", pathOf(orderRoutes.getOrderPayment, { id }), OrderPayment, caller),
    ...SERVICES.map((service) => fetchFrom(c, service, `/admin/trace/${id}`, ServiceTrace)),
  ]);
  if (!order.body || !mayActFor(caller, order.body.customerId))
    throw new HttpError(404, "NOT_FOUND", `no order ${id}`);
  const byService = Object.fromEntries(
    SERVICES.map((service, i) => {
      const body = traces[i]?.body;
      if (!body) throw new HttpError(502, "UPSTREAM_FAILED", `${service} has no trace route (404)`);
      return [service, body];
    }),
  ) as Record<ServiceName, ServiceTrace>;
  const unexplained = Object.entries(unexplainedDeliveries(byService, catalog.subscribersOf));
  await Promise.all(
    unexplained.map(async ([service, eventIds]) => {
      const path = `/admin/trace/${id}?events=${(eventIds ?? []).slice(0, 100).join(",")}`;
      const again = await fetchFrom(c, service as ServiceName, path, ServiceTrace);
      if (again.body) byService[service as ServiceName].deadLetters = again.body.deadLetters;
    }),
  );
  const paid = payment.body
    ? { status: payment.body.status, amountCents: payment.body.amountCents }
    : null;
  const trace = composeTrace(order.body, byService, catalog.subscribersOf, paid);
  return c.json(caller?.role === "admin" ? trace : publicView(trace));
}
