import { type Caller, HttpError, loggerFor } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";
import { clientBucket } from "./client-address";

/**
 * Window of the `ORDER_RATE_LIMITER` binding (`simple.period` in the root wrangler.toml) and so
 * the `Retry-After` of a 429: the binding does not say when its window ends, and a client that
 * waits one whole period is certain to find a fresh one.
 */
export const ORDER_RATE_LIMIT_PERIOD_SECONDS = 60;

/** Key of requests that carry no client address (local runs outside `wrangler dev`, tests). */
export const UNKNOWN_CLIENT = "unknown-client";

/**
 * The keys an order counts against: its client address (client-address.ts: IPv6 by its
 * /64) and its customer (the verified caller's `sub`; an admin has none). Prefixed so an address
 * and a customer id never share a bucket.
 * @example orderRateKeys("203.0.113.9", { role: "customer", customerId: "alice" })
 * // ["client:203.0.113.9", "customer:alice"]
 */
export function orderRateKeys(address: string | undefined, caller: Caller | undefined): string[] {
  const client = address?.trim() ? clientBucket(address) : UNKNOWN_CLIENT;
  return [
    `client:${client}`,
    ...(caller?.role === "customer" ? [`customer:${caller.customerId}`] : []),
  ];
}

/**
 * Limits `POST /orders` per client address and per customer with the Workers rate limiting
 * binding (wrangler.toml: `ORDER_RATE_LIMITER`, 600 per 60 s for each key); both must pass. The
 * address is the one Cloudflare's edge reports in `CF-Connecting-IP` (the edge sets that header
 * itself, so a caller cannot pick its own bucket); the customer is the verified token's `sub`
 * (never a body field, which could be varied at will to dodge the limit), so the route's
 * authentication runs first. The limit is generous because one address may front many shoppers
 * (office NAT, mobile CGNAT) and real clients place a few orders a minute; what it stops is a
 * script flooding the saga, from one address or one account spread over many.
 * Every attempt counts, valid or not, and the check runs before the body is read.
 * Over a limit: 429 `RATE_LIMITED` with `Retry-After` in seconds; the order service is not called.
 * A failing binding lets the request through (logged): the limit protects, it must not take
 * ordering down with it.
 */
export const orderRateLimit: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const keys = orderRateKeys(c.req.header("cf-connecting-ip"), c.get("caller"));
  const verdicts = await Promise.all(
    keys.map(async (key) => {
      try {
        return (await c.env.ORDER_RATE_LIMITER.limit({ key })).success;
      } catch (error) {
        loggerFor(c.env).error("rate limiter failed; request let through", {
          requestId: c.get("requestId"),
          error: String(error),
        });
        return true;
      }
    }),
  );
  if (verdicts.includes(false)) {
    throw new HttpError(
      429,
      "RATE_LIMITED",
      `too many orders from this client or customer; retry in ${ORDER_RATE_LIMIT_PERIOD_SECONDS} s`,
      undefined,
      { "retry-after": String(ORDER_RATE_LIMIT_PERIOD_SECONDS) },
    );
  }
  await next();
};
