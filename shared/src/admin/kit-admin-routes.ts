import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { onError } from "../http/errors";
import type { OutboxRelay } from "../relay/outbox-relay";
import type { KitAdminOptions } from "./admin-options";
import { deadLetterRoutes } from "./dead-letter-routes";
import { faultRoutes } from "./fault-routes";
import { outboxRoutes } from "./outbox-routes";

export type { KitAdminOptions } from "./admin-options";
export { kitAdminRouteDefinitions } from "./admin-route-definitions";

/**
 * Operator routes every service gets, one router per concern: the outbox (backlog, stats,
 * trace, replay, maintenance), dead letters (list, replay, discard) and, when FAULTS_ENABLED
 * is "true", the fault plan. Bench hooks are not here: the bench switch mounts them
 * (define-service.ts). Mount under `/admin`; the gateway guards them with the admin token.
 * @example app.route("/admin", kitAdminRoutes({ d1: (env) => env.DB, relay: (env) => env.OUTBOX_RELAY }))
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function kitAdminRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const app = new OpenAPIHono<{ Bindings: E } & Env>()
    .route("/", outboxRoutes(options))
    .route("/", deadLetterRoutes(options))
    .route("/", faultRoutes(options));
  // Its own, so the routes answer in the API's error shape wherever they are mounted.
  app.onError(onError);
  return app;
}
