import { adminFingerprint, HttpError } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import { bearerToken } from "../auth/challenge";
import type { GatewayEnv } from "../types";

/** Every path under it needs the admin token, unknown ones included (app.ts). */
export const ADMIN_PREFIX = "/admin/";

const encoder = new TextEncoder();

/**
 * Guards admin routes with `Authorization: Bearer <ADMIN_TOKEN>`.
 * No token configured -> 503 ADMIN_DISABLED (never a built-in default), no bearer token -> 401,
 * a wrong one -> 403. Compared in constant time: both sides are hashed first so neither the
 * content nor the length of the secret leaks through timing.
 */
export const requireAdmin: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const expected: string | undefined = c.env.ADMIN_TOKEN;
  if (typeof expected !== "string" || expected.length === 0) {
    throw new HttpError(503, "ADMIN_DISABLED", "admin routes are disabled: ADMIN_TOKEN is not set");
  }
  const presented = bearerToken(c.req.header("authorization"));
  if (presented === undefined) {
    throw new HttpError(401, "UNAUTHORIZED", "admin token required", undefined, {
      "www-authenticate": 'Bearer realm="edge-saga-admin"',
    });
  }
  if (!(await sameSecret(presented, expected))) {
    throw new HttpError(403, "FORBIDDEN", "admin token is not valid");
  }
  // The services record who acted (bulk dead-letter actions) by this, never the token.
  c.set("caller", { role: "admin", actor: await adminFingerprint(presented) });
  await next();
};

/** Whether `presented` is the configured admin token (never when none is configured). */
export async function isAdminToken(presented: string, expected: string | undefined) {
  return typeof expected === "string" && expected.length > 0 && sameSecret(presented, expected);
}

async function sameSecret(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}
