import { HttpError, loggerFor } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/**
 * Window of the `ORDER_RATE_LIMITER` binding (`simple.period` in the root wrangler.toml) and so
 * the `Retry-After` of a 429: the binding does not say when its window ends, and a client that
 * waits one whole period is certain to find a fresh one.
 */
export const ORDER_RATE_LIMIT_PERIOD_SECONDS = 60;

/** Key of requests that carry no client address (local runs outside `wrangler dev`, tests). */
export const UNKNOWN_CLIENT = "unknown-client";

/**
 * Limits `POST /orders` per client with the Workers rate limiting binding (wrangler.toml:
 * `ORDER_RATE_LIMITER`, 600 per 60 s). The client is its IP as Cloudflare's edge reports it in
 * `CF-Connecting-IP`: the edge sets that header itself, so a caller cannot pick its own bucket
 * (a header or body field such as `customerId` could be varied at will to dodge the limit).
 * The limit is generous because one address may front many shoppers (office NAT, mobile CGNAT)
 * and real clients place a few orders a minute; what it stops is a script flooding the saga.
 * Every attempt counts, valid or not, and the check runs before the body is read.
 * Over the limit: 429 `RATE_LIMITED` with `Retry-After` in seconds; the order service is not called.
 * A failing binding lets the request through (logged): the limit protects, it must not take
 * ordering down with it.
 */
export const orderRateLimit: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const key = c.req.header("cf-connecting-ip")?.trim() || UNKNOWN_CLIENT;
  let allowed = true;
  try {
    allowed = (await c.env.ORDER_RATE_LIMITER.limit({ key })).success;
  } catch (error) {
    loggerFor(c.env).error("rate limiter failed; request let through", {
      requestId: c.get("requestId"),
      error: String(error),
    });
  }
  if (!allowed) {
    throw new HttpError(
      429,
      "RATE_LIMITED",
      `too many orders from this client; retry in ${ORDER_RATE_LIMIT_PERIOD_SECONDS} s`,
      undefined,
      { "retry-after": String(ORDER_RATE_LIMIT_PERIOD_SECONDS) },
    );
  }
  await next();
};
