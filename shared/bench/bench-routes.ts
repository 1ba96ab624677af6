import type { Env } from "hono";
import type { KitAdminOptions } from "../src/admin/admin-options";
import { benchRouteDefinitions as routes } from "../src/admin/admin-route-definitions";
import { adminShards } from "../src/admin/admin-shards";
import { contractRoutes } from "../src/http/contract-routes";
import type { OutboxRelay } from "../src/relay/outbox-relay";
import { countD1Calls } from "./d1-calls";
import { invocationCounts } from "./invocations";
import type { PollingRelay } from "./polling-baseline";
import { countQueueMessages } from "./queue-messages";

/**
 * The bench's admin routes: what this isolate was billed for so far (D1 calls and rows, in all
 * and per shard, invocations by kind, queue messages, calls and operations: `npm run bench`'s
 * "per saga" figures) and the polling-relay baseline, on every shard's relay. Served only by
 * a bench entry (bench-worker.ts), whose relay class is a `pollingRelay`.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function benchRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  return contractRoutes<{ Bindings: E } & Env>()
    .openapi(routes.getD1Calls, (c) => {
      const shards = adminShards(options, c.env).map((shard) => shard.d1);
      const d1 = countD1Calls(options.d1(c.env), shards);
      const queue = countQueueMessages(c.env);
      const { invocations, consumed } = invocationCounts();
      const { rowsRead, rowsWritten, rowsReadByShard, rowsWrittenByShard, ...calls } = d1;
      return c.json(
        {
          ...calls,
          queueMessages: queue && {
            isolate: queue.isolate,
            events: queue.events,
            receipts: queue.receipts,
          },
          invocations,
          queueCalls: queue?.calls ?? null,
          queueOperations: { write: queue?.writeOperations ?? 0, ...consumed },
          d1RowsRead: rowsRead,
          d1RowsWritten: rowsWritten,
          d1RowsReadByShard: rowsReadByShard,
          d1RowsWrittenByShard: rowsWrittenByShard,
        },
        200,
      );
    })
    .openapi(routes.setBenchBaseline, async (c) => {
      const interval = c.req.valid("json").relayPollIntervalMs;
      const relays = adminShards(options, c.env).map(
        (shard) => shard.relay as unknown as PollingRelay,
      );
      await Promise.all(relays.map((relay) => relay.setPollingBaseline(interval)));
      const [first] = relays;
      return c.json({ relayPollIntervalMs: first ? await first.pollingIntervalMs() : null }, 200);
    });
}
