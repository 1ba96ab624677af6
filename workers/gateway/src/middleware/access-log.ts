import { formatTraceparent, loggerFor } from "@edge-saga/shared";
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
    // Written as traceId and spanId (the logger): the request's line joins its saga's.
    traceparent: formatTraceparent(c.get("trace")),
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    ms: Date.now() - started,
  });
};
