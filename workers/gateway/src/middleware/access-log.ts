import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/** One structured line per request: what Workers Logs indexes and an operator greps by request id. */
export const accessLog: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  console.log(
    JSON.stringify({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
    }),
  );
};
