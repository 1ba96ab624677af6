import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import {
  BENCH_BASELINE_HEADER,
  CALLER_HEADER,
  callerHeaderValue,
  callService,
  traceHeaders,
} from "@edge-saga/shared";
import type { Context } from "hono";
import type { BoundService, GatewayEnv } from "../types";

/**
 * Request headers a service may see. Authorization stays at the gateway, and a client's own
 * CALLER_HEADER is never among them: the gateway sets that one from what it verified. The bench baseline
 * header does nothing unless the service runs with BENCH_BASELINES_ENABLED (never deployed).
 */
const FORWARDED_REQUEST_HEADERS = ["accept", "idempotency-key", "prefer", BENCH_BASELINE_HEADER];
/** Hop-by-hop headers describe one connection, not the answer. */
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade"];

/**
 * What the gateway itself tells a service on every call: the request id, the request's trace
 * context (`traceparent`, `tracestate`: a client's own only as the parent of the gateway's
 * span) and, once the route's security let the request through, the verified caller
 * (shared/src/http/caller.ts).
 */
export function gatewayHeaders(c: Context<GatewayEnv>): Headers {
  const headers = new Headers({
    [REQUEST_ID_HEADER]: c.get("requestId"),
    ...traceHeaders(c.get("trace")),
  });
  const caller = c.get("caller");
  if (caller !== undefined) headers.set(CALLER_HEADER, callerHeaderValue(caller));
  return headers;
}

/**
 * Sends the current request to `service` at `path` (built by the route from validated parts,
 * never copied from the incoming URL) with the incoming query string, the checked body and an
 * allow-list of headers, and answers with the service's status, headers and body.
 */
export async function forward(
  c: Context<GatewayEnv>,
  service: BoundService,
  path: string,
): Promise<Response> {
  const headers = gatewayHeaders(c);
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  const body = c.get("body") ?? null;
  if (body !== null)
    headers.set("content-type", c.req.header("content-type") ?? "application/json");

  const upstream = await callService(c.env, service, path + new URL(c.req.url).search, {
    method: c.req.method,
    headers,
    body,
  });
  const answerHeaders = new Headers(upstream.headers);
  for (const name of HOP_BY_HOP) answerHeaders.delete(name);
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: answerHeaders,
  });
}
