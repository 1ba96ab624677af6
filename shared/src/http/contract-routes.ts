import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { refuseInvalid } from "./errors";

/**
 * An app serving routes of the API contract: `app.openapi(route, handler)` validates the request
 * with the route's schemas (params, query, headers, body) and types the handler by them; a
 * request that breaks one is answered 400 `VALIDATION_FAILED` with one detail per field.
 * @example contractRoutes<{ Bindings: Env }>().openapi(orderRoutes.getOrder, (c) => c.json(...))
 */
export function contractRoutes<E extends Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: refuseInvalid });
}
