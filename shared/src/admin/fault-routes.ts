import type { Env, MiddlewareHandler } from "hono";
import { faultsEnabled } from "../faults/faults";
import { contractRoutes } from "../http/contract-routes";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { faultRouteDefinitions as routes } from "./admin-route-definitions";

/**
 * The fault plan of chaos runs and tests, held by the relay (faults.ts). Changing it answers
 * 404 `FAULTS_DISABLED` unless FAULTS_ENABLED is "true", checked before the body is read.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function faultRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const relay = (env: E) => relayStub(options.relay(env));
  const onlyWhenEnabled: MiddlewareHandler = async (c, next) => {
    if (c.req.method === "GET" || faultsEnabled(c.env)) return next();
    return refuse(
      c,
      404,
      "FAULTS_DISABLED",
      "fault injection is not enabled (FAULTS_ENABLED is not true)",
    );
  };
  const app = contractRoutes<{ Bindings: E } & Env>();
  app.use(routes.getFaults.path, onlyWhenEnabled);
  return app
    .openapi(routes.getFaults, async (c) =>
      c.json(
        faultsEnabled(c.env)
          ? await relay(c.env).faults()
          : { enabled: false, plan: null, injected: {} },
        200,
      ),
    )
    .openapi(routes.setFaults, async (c) =>
      c.json(await relay(c.env).setFaults(c.req.valid("json")), 200),
    )
    .openapi(routes.clearFaults, async (c) => c.json(await relay(c.env).clearFaults(), 200));
}
