import type { Env } from "hono";
import type { KitAdminOptions } from "../admin/admin-options";
import { benchRouteDefinitions as routes } from "../admin/admin-route-definitions";
import { contractRoutes } from "../http/contract-routes";
import { type OutboxRelay, relayStub } from "../relay/outbox-relay";
import { countD1Calls } from "./d1-calls";
import { countQueueMessages } from "./queue-messages";

/**
 * The bench's admin routes: D1 calls and queue messages of this isolate (`npm run bench`'s
 * "per saga" figures; the first call starts the counting) and the polling-relay baseline
 * (baselines.ts). Loaded only by bench-switch.ts, when BENCH_BASELINES_ENABLED is "true".
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function benchRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  return contractRoutes<{ Bindings: E } & Env>()
    .openapi(routes.getD1Calls, (c) =>
      c.json({ ...countD1Calls(options.d1(c.env)), queueMessages: countQueueMessages(c.env) }, 200),
    )
    .openapi(routes.setBenchBaseline, async (c) => {
      const relay = relayStub(options.relay(c.env));
      await relay.setPollingBaseline(c.req.valid("json").relayPollIntervalMs);
      return c.json({ relayPollIntervalMs: await relay.pollingIntervalMs() }, 200);
    });
}
