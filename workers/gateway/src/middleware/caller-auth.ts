import { adminFingerprint, loggerFor } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import { InvalidAccessToken } from "../auth/access-token";
import { bearerToken, unauthenticated } from "../auth/challenge";
import { verifyCustomerToken } from "../auth/trusted-issuers";
import type { GatewayEnv } from "../types";
import { isAdminToken } from "./admin-auth";

/**
 * Guards a customer operation (security: customerBearer or adminBearer): the admin token makes
 * the caller an admin (compared in constant time); otherwise the token must be a customer's
 * verified access token (auth/access-token.ts), and its `sub` is the caller. No token, or one
 * that is neither: 401 UNAUTHENTICATED with a RFC 6750 challenge, before anything else runs.
 */
export const requireCaller: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (token === undefined) throw unauthenticated();
  if (await isAdminToken(token, c.env.ADMIN_TOKEN)) {
    c.set("caller", { role: "admin", actor: await adminFingerprint(token) });
  } else {
    c.set("caller", { role: "customer", customerId: await verifiedCustomer(c, token) });
  }
  await next();
};

async function verifiedCustomer(c: Parameters<typeof requireCaller>[0], token: string) {
  try {
    return await verifyCustomerToken(token, c.env);
  } catch (error) {
    if (error instanceof InvalidAccessToken) throw unauthenticated(error.reason);
    // The issuer's keys could not be had: not the client's doing, but its token is unverified.
    loggerFor(c.env).error("access token could not be verified", {
      requestId: c.get("requestId"),
      error: String(error),
    });
    throw unauthenticated("the token could not be verified");
  }
}
