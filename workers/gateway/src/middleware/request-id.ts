import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { newId } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

const ACCEPTABLE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Takes a well-formed incoming `x-request-id` (so a caller can trace its own id through the
 * services) or makes one, and stamps it on every answer — errors and 404s included, because
 * this middleware runs outermost and sets the header after `onError`/`notFound` produced theirs.
 */
export const requestId: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const incoming = c.req.header(REQUEST_ID_HEADER);
  const id = incoming !== undefined && ACCEPTABLE.test(incoming) ? incoming : newId();
  c.set("requestId", id);
  await next();
  try {
    c.res.headers.set(REQUEST_ID_HEADER, id);
  } catch {
    // A response with immutable headers (straight from fetch): copy it, then stamp it.
    const copy = new Response(c.res.body, c.res);
    copy.headers.set(REQUEST_ID_HEADER, id);
    c.res = undefined;
    c.res = copy;
  }
};
