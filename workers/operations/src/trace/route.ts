import { catalog, Order, REQUEST_ID_HEADER, ServiceTrace } from "@edge-saga/contracts";
import { callService, HttpError } from "@edge-saga/shared";
import type { Context } from "hono";
import type { z } from "zod";
import { type OperationsEnv, SERVICES, type ServiceName } from "../types";
import { composeTrace } from "./compose";

/** One JSON call to a service; anything but a 2xx with the expected shape is a 502. */
async function fetchFrom<T>(
  c: Context<OperationsEnv>,
  service: ServiceName,
  path: string,
  schema: z.ZodType<T>,
): Promise<{ status: number; body?: T }> {
  const res = await callService(c.env, service, path, {
    headers: { accept: "application/json", [REQUEST_ID_HEADER]: c.get("requestId") },
  });
  if (res.status === 404) return { status: 404 };
  const parsed = schema.safeParse(res.ok ? await res.json().catch(() => null) : null);
  if (!parsed.success)
    throw new HttpError(502, "UPSTREAM_FAILED", `${service} answered ${res.status} to ${path}`);
  return { status: res.status, body: parsed.data };
}

/**
 * `GET /orders/{id}/trace` (public, like the order): the order's saga across the three
 * services, composed from each one's kit route `/admin/trace/{id}` (asked in parallel with
 * the order itself). 404 `ORDER_NOT_FOUND` when the order service does not know the order.
 */
export async function orderTrace(c: Context<OperationsEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const [order, ...traces] = await Promise.all([
    fetchFrom(c, "order", `/orders/${id}`, Order),
    ...SERVICES.map((service) => fetchFrom(c, service, `/admin/trace/${id}`, ServiceTrace)),
  ]);
  if (!order.body) throw new HttpError(404, "ORDER_NOT_FOUND", `no order ${id}`);
  const byService = Object.fromEntries(
    SERVICES.map((service, i) => {
      const body = traces[i]?.body;
      if (!body) throw new HttpError(502, "UPSTREAM_FAILED", `${service} has no trace route (404)`);
      return [service, body];
    }),
  ) as Record<ServiceName, ServiceTrace>;
  return c.json(composeTrace(order.body, byService, catalog.subscribersOf));
}
