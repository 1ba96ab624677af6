import { requestTraceContext } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/**
 * The request's span (W3C Trace Context, shared/src/trace/trace-context.ts): a child of the
 * caller's `traceparent` when it is valid, else a new trace (an invalid one is ignored, as the
 * spec says). Every service call carries it on (proxy/forward.ts), so the events a request
 * causes, and the saga after them, share its trace id.
 */
export const traceContext: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  c.set("trace", requestTraceContext(c.req.raw.headers));
  await next();
};
