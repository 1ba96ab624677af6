import type { Env } from "hono";
import type { KitAdminOptions } from "../admin/admin-options";
import { benchRouteDefinitions as routes } from "../admin/admin-route-definitions";
import { adminShards } from "../admin/admin-shards";
import { contractRoutes } from "../http/contract-routes";
import type { OutboxRelay } from "../relay/outbox-relay";
import { countD1Calls } from "./d1-calls";
import { countQueueMessages } from "./queue-messages";

/**
 * The bench's admin routes: D1 calls (in all and per shard) and queue messages of this isolate
 * (`npm run bench`'s "per saga" figures; the first call starts the counting) and the
 * polling-relay baseline (baselines.ts), on every shard's relay. Loaded only by
 * bench-switch.ts, when BENCH_BASELINES_ENABLED is "true".
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function benchRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  return contractRoutes<{ Bindings: E } & Env>()
    .openapi(routes.getD1Calls, (c) => {
      const shards = adminShards(options, c.env).map((shard) => shard.d1);
      return c.json(
        {
          ...countD1Calls(options.d1(c.env), shards),
          queueMessages: countQueueMessages(c.env),
        },
        200,
      );
    })
    .openapi(routes.setBenchBaseline, async (c) => {
      const interval = c.req.valid("json").relayPollIntervalMs;
      const relays = adminShards(options, c.env).map((shard) => shard.relay);
      await Promise.all(relays.map((relay) => relay.setPollingBaseline(interval)));
      const [first] = relays;
      return c.json({ relayPollIntervalMs: first ? await first.pollingIntervalMs() : null }, 200);
    });
}
