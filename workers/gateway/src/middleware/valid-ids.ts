import { HttpError, IdSchema } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/**
 * Every path parameter of a gateway route is an id or a SKU. Checked after percent-decoding,
 * so `a%2Fb` (a slash) fails here instead of reaching a service as another path; `.` and `..`
 * match the id pattern but are path segments, never ids.
 */
export const validIds: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const details = Object.entries(c.req.param() as Record<string, string>)
    .filter(([, value]) => !isId(value))
    .map(([name]) => ({ path: name, message: "must match ^[A-Za-z0-9._-]{1,64}$" }));
  if (details.length > 0) throw new HttpError(400, "VALIDATION_FAILED", "invalid param", details);
  await next();
};

export function isId(value: string): boolean {
  return value !== "." && value !== ".." && IdSchema.safeParse(value).success;
}
