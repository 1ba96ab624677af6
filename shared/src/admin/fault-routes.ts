import type { Env, MiddlewareHandler } from "hono";
import { type FaultReport, faultsEnabled } from "../faults/faults";
import { contractRoutes } from "../http/contract-routes";
import type { OutboxRelay } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { faultRouteDefinitions as routes } from "./admin-route-definitions";
import { adminShards, mergeFaultReports, onEveryShard } from "./admin-shards";

/**
 * The fault plan of chaos runs and tests, held by the relay (faults.ts). Changing it answers
 * 404 `FAULTS_DISABLED` unless FAULTS_ENABLED is "true", checked before the body is read.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function faultRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  // Each relay draws its faults from its own storage: the plan is set on every shard's relay.
  const everyRelay = async (
    env: E,
    call: (relay: DurableObjectStub<T>) => Promise<FaultReport>,
  ) => {
    const parts = await onEveryShard(adminShards(options, env), async ({ shard, relay }) => ({
      shard,
      ...(await call(relay)),
    }));
    const { shard: _, ...merged } = mergeFaultReports(parts) as FaultReport & { shard: number };
    return parts.length > 1 ? { ...merged, shards: parts } : merged;
  };
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
          ? await everyRelay(c.env, (relay) => relay.faults())
          : { enabled: false, plan: null, injected: {} },
        200,
      ),
    )
    .openapi(routes.setFaults, async (c) => {
      const plan = c.req.valid("json");
      return c.json(await everyRelay(c.env, (relay) => relay.setFaults(plan)), 200);
    })
    .openapi(routes.clearFaults, async (c) =>
      c.json(await everyRelay(c.env, (relay) => relay.clearFaults()), 200),
    );
}
