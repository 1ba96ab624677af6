import {
  formatTraceparent,
  loggerFor,
  parseTraceparent,
  type TraceContext,
  traceLogFields,
} from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/**
 * One structured line per request: what Workers Logs indexes and an operator greps by request id.
 * `info` (a 5xx answer: `error`), so a LOG_LEVEL of warn, as in the tests, keeps only failures.
 */
export const accessLog: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const log = loggerFor(c.env);
  const level = c.res.status >= 500 ? "error" : "info";
  if (!log.enabled(level)) return;
  log[level]("request", {
    requestId: c.get("requestId"),
    ...requestLineTrace(c.get("trace"), c.res.headers.get("traceresponse")),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Date.now() - started,
  });
};

/**
 * The trace a request's line is written under (the logger turns `traceparent` into traceId and
 * spanId): its own, unless the service answered that the request continued another trace
 * (`traceresponse`, W3C Trace Context Level 2: a cancel continues its order's saga). Then the
 * saga's, so the line is found with the saga's other lines, and the request's own as a link.
 */
export function requestLineTrace(
  request: TraceContext,
  traceresponse: string | null,
): { traceparent: string; links?: { traceId: string; spanId: string }[] } {
  const answered = parseTraceparent(traceresponse);
  if (!answered || answered.traceId === request.traceId)
    return { traceparent: formatTraceparent(request) };
  return {
    traceparent: formatTraceparent(answered),
    links: [traceLogFields(request) as { traceId: string; spanId: string }],
  };
}
