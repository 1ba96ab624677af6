import { Hono } from "hono";
import { kitAdminRoutes } from "../admin/kit-admin-routes";
import type { Catalog } from "../catalog";
import type { AnyD1Database } from "../db/types";
import { type EffectPerformers, runDueEffects } from "../effects/effects";
import { notFound, onError } from "../http/errors";
import { atMost, SIDE_CALL_MS } from "../inbox/batch-bookkeeping";
import { withinBatchDeadline } from "../inbox/batch-deadline";
import { receiptQueueOf } from "../inbox/consumer-receipts";
import {
  createInboxConsumer,
  type EventHandler,
  type InboxConsumerOptions,
} from "../inbox/inbox-consumer";
import { isOrdered } from "../inbox/ordered-handler";
import { loggerFor } from "../log/logger";
import { runMaintenance } from "../maintenance/maintenance";
import { inboxQueueByConvention } from "../receipts/receipts";
import { OutboxRelay, pokeRelay, type RelayConfig } from "../relay/outbox-relay";
import { RETENTION_STATEMENTS } from "../retention/retention";
import { everyShard, shardOfEnv } from "../shards/shard-env";
import { shardOfId } from "../shards/shard-routing";
import { type ShardsOfEvent, shardedQueue } from "../shards/sharded-queue";
import type { Exactly, OwnEventHandlers, ServiceHandlers } from "./service-handlers";

export type { Exactly, OwnEventHandlers, ServiceHandlers } from "./service-handlers";

/** The bindings every service has by convention (see its wrangler.toml). */
export interface ServiceBindings {
  DB: D1Database;
}

/** The Env the handlers are written for: the service's own, which the rest is typed with. */
export type EnvOf<H> = [keyof H] extends [never]
  ? ServiceBindings
  : // biome-ignore lint/suspicious/noExplicitAny: whichever event each handler takes
    H[keyof H] extends EventHandler<infer Env, any> | undefined
    ? Env
    : ServiceBindings;

export interface ServiceDefinition<
  C extends Catalog,
  S extends string,
  H,
  Env extends ServiceBindings = EnvOf<H> & ServiceBindings,
> {
  /** The service's name, as the catalog's producers and subscribers spell it. */
  name: S;
  catalog: C;
  /** The service's drizzle database over `env.DB`. */
  db: (env: Env) => AnyD1Database;
  /** One handler per event type the catalog routes here: a missing or extra one won't compile. */
  handlers: Exactly<H, ServiceHandlers<C, S, Env>>;
  /** Handlers for its own events when it reads them back from its inbox (self-read). */
  ownEvents?: OwnEventHandlers<C, S, Env>;
  /** Hono apps mounted at their paths, in this order, before the kit's admin routes. */
  // biome-ignore lint/suspicious/noExplicitAny: any app, whatever its routes' types
  routes?: Record<string, Hono<any, any, any>>;
  /** Where the kit's admin routes are mounted; false: not at all. Default "/admin". */
  admin?: string | false;
  /** Inbox consumer options beyond the defaults, e.g. `serializeBy`. */
  inbox?: Omit<Partial<InboxConsumerOptions<Env>>, "service" | "catalog" | "db" | "handlers">;
  /**
   * Runs after every inbox batch, whatever its messages came to (thrown or not), e.g. a second
   * store derived from what the batch committed. Bounded like every side call (SIDE_CALL_MS): a
   * slow one must not hold the queue; its failure is its own to log.
   */
  afterBatch?: (messages: readonly Message[], env: Env) => Promise<void>;
  relay?: {
    /** Work falling due at a time, run by the relay's alarm before it drains (see `OutboxRelay.dueWork`). */
    dueWork?: (env: Env, now: number) => Promise<number | null>;
    /** Relay settings beyond routing (send limits, receipt timeout ...). */
    config?: Omit<Partial<RelayConfig>, "db" | "catalog" | "queues">;
  };
  /**
   * The shards an event applies on when the service runs on several (its SHARDS var): one for
   * most events, several for one that concerns keys on several shards. Default: the shard its
   * correlation id names (`shardOfId`), which for a saga's events is the order's.
   */
  shardOf?: ShardsOfEvent;
  /** Work the cron runs besides the kit's maintenance, on each shard, e.g. pruning expired keys. */
  scheduled?: (env: Env) => Promise<unknown>;
  /**
   * Calls outside the database its handlers decide (`Decision.effects`), by kind: how each is
   * made and reported (see effects.ts). The relay makes them, with their idempotency keys.
   */
  effects?: EffectPerformers<Env>;
}

/** One relay run makes effects for at most this long, then sends what they reported. */
const EFFECTS_RUN_MS = 2_000;

/** The relay by its conventional binding: typed loosely, so Env need not name the class that is being defined. */
const relayOf = (env: unknown) =>
  (env as { OUTBOX_RELAY: DurableObjectNamespace<OutboxRelay<unknown>> }).OUTBOX_RELAY;

/**
 * Handlers must match what the catalog routes to the service. The types check that already; this
 * check, once when the Worker loads, covers what they cannot see: JavaScript callers, casts, and
 * catalogs whose subscribers are typed `string[]` rather than declared with `defineEvent`.
 */
function checkHandlers(
  catalog: Catalog,
  service: string,
  handlers: object,
  ownEvents: object,
): void {
  const notOwn = Object.keys(ownEvents).filter(
    (type) => catalog.definitions.find((d) => d.type === type)?.producer !== service,
  );
  if (notOwn.length > 0)
    throw new Error(`${service}: ownEvents names events it does not produce: ${notOwn.join(", ")}`);
  const wanted = new Set(catalog.consumedBy(service));
  const given = new Set(Object.keys(handlers));
  const missing = [...wanted].filter((t) => !given.has(t));
  const extra = [...given].filter((t) => !wanted.has(t));
  if (missing.length > 0 || extra.length > 0)
    throw new Error(
      `${service}: handlers do not match the catalog (missing: ${missing.join(", ") || "none"}; not routed here: ${extra.join(", ") || "none"})`,
    );
}

/**
 * A service's whole wiring from what is particular to it: the relay (routing from the catalog's
 * subscribers to their queues bound as `<SUBSCRIBER>_INBOX`), the HTTP app (its routes, the
 * kit's admin routes, error handlers), the inbox consumer (poking the relay after each commit)
 * and the cron (the kit's maintenance plus `scheduled`). The entry module exports both; the
 * relay by the class name its wrangler.toml names:
 * @example const service = defineService({ name: "billing", catalog, db: database, handlers });
 * export class OutboxRelay extends service.OutboxRelay {}
 * export default service.worker;
 */
export function defineService<C extends Catalog, const S extends string, H extends object>(
  definition: ServiceDefinition<C, S, H>,
) {
  type Env = EnvOf<H> & ServiceBindings;
  const { name, catalog, relay = {} } = definition;
  checkHandlers(catalog, name, definition.handlers, definition.ownEvents ?? {});
  const subscribers = [
    ...new Set(
      catalog.definitions.filter((d) => d.producer === name).flatMap((d) => d.subscribers),
    ),
  ];

  /** Publishes this service's outbox to the inbox queue of every subscriber. */
  class ServiceRelay extends OutboxRelay<Env> {
    protected config(): RelayConfig {
      const queues: Record<string, Queue> = {};
      for (const subscriber of subscribers) {
        // A missing binding is left out: the relay logs it at start and skips only its sends.
        const queue = inboxQueueByConvention(this.env, subscriber);
        if (queue) queues[subscriber] = queue;
      }
      const ownQueue = inboxQueueByConvention(this.env, name);
      return {
        ...relay.config,
        service: name,
        db: this.shardEnv().DB,
        catalog,
        queues,
        subscribers,
        ownQueue,
      };
    }

    protected override async dueWork(now: number): Promise<number | null> {
      const [work, effectsDue] = await Promise.all([
        relay.dueWork ? relay.dueWork(this.shardEnv(), now) : super.dueWork(now),
        definition.effects ? this.makeEffects(definition.effects, now) : null,
      ]);
      return work === null ? effectsDue : effectsDue === null ? work : Math.min(work, effectsDue);
    }

    /** Makes the due effects, run after run while a full one leaves more, within EFFECTS_RUN_MS. */
    private async makeEffects(performers: EffectPerformers<Env>, now: number) {
      const log = loggerFor(this.env, { service: name });
      const limit = 100;
      const env = this.shardEnv();
      for (;;) {
        const run = await runDueEffects({
          db: definition.db(env),
          env,
          performers,
          log,
          limit,
          concurrency: 16,
        });
        if (run.made + run.retried < limit || Date.now() - now > EFFECTS_RUN_MS)
          return run.nextDueAt;
      }
    }
  }

  const app = new Hono<{ Bindings: Env }>();
  for (const [path, routes] of Object.entries(definition.routes ?? {})) app.route(path, routes);
  if (definition.admin !== false) {
    const at = definition.admin ?? "/admin";
    const admin = {
      d1: (env: Env) => env.DB,
      relay: relayOf,
      effects: definition.effects !== undefined,
    };
    // Bench routes are not here: only a bench entry serves them (shared/bench/bench-worker.ts).
    app.route(at, kitAdminRoutes(admin));
  }
  app.onError(onError);
  app.notFound(notFound);

  const consume = createInboxConsumer<Env>({
    afterCommit: (env, events, committed) =>
      pokeRelay(relayOf(env), events, { due: committed?.effects, shard: shardOfEnv(env) }),
    ...definition.inbox,
    service: name,
    catalog,
    db: definition.db,
    // Exactly what ServiceHandlers allows, checked by the types and by checkHandlers above.
    handlers: { ...definition.ownEvents, ...definition.handlers } as Record<
      string,
      EventHandler<Env>
    >,
  });

  const queue = shardedQueue<Env>({
    service: name,
    shardsOf: definition.shardOf ?? ((event, shards) => shardOfId(event.correlationId, shards)),
    consume: (batch, env, sink) => consume(batch, env, sink),
    unsharded: (batch, env) => consume(batch, env),
    queueOf: (env) => receiptQueueOf(env, definition.inbox?.receiptQueue),
    log: (env) => loggerFor(env, { service: name }),
  });

  const worker = {
    fetch: app.fetch,
    async queue(batch, env) {
      try {
        await withinBatchDeadline(
          batch,
          () => queue(batch, env),
          loggerFor(env, { service: name }),
        );
      } finally {
        if (definition.afterBatch)
          await atMost(SIDE_CALL_MS, definition.afterBatch(batch.messages, env));
      }
    },
    scheduled(_controller, env, ctx) {
      // Every shard: its relay poked, its rows pruned, the service's own work done on it.
      const shards = everyShard(env);
      for (const shard of shards) {
        ctx.waitUntil(
          runMaintenance(shard.DB, relayOf(env), {
            effects: definition.effects !== undefined,
            orderedGaps: Object.values(definition.handlers).some(isOrdered),
            shard: shard.SHARD,
            // One invocation: its D1 query limit is shared by every shard's pruning.
            statements: Math.floor(RETENTION_STATEMENTS / shards.length),
          }),
        );
        if (definition.scheduled) ctx.waitUntil(definition.scheduled(shard));
      }
    },
  } satisfies ExportedHandler<Env>;

  return { worker, OutboxRelay: ServiceRelay, app };
}
