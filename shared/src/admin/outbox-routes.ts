import type { Env } from "hono";
import { contractRoutes } from "../http/contract-routes";
import { keysetPage } from "../http/keyset-page";
import { runMaintenance } from "../maintenance/maintenance";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { type KitAdminOptions, refuse } from "./admin-options";
import { outboxRouteDefinitions as routes } from "./admin-route-definitions";
import { EVENT_PAGE_MAX } from "./admin-schemas";
import {
  handledEvents,
  outboxFigures,
  pendingEffects,
  publishedEvents,
  sagaEffects,
  sagaTrace,
  statsFigures,
} from "./outbox-queries";

/** The `after` of the next page, or null when this page was the last. */
const nextKey = (rows: { id: string }[], limit: number) =>
  rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null;

const MINUTE_MS = 60_000;

/**
 * The outbox's operator routes: backlog with relay status, stats, the event ids published and
 * handled (the consistency checker's), one saga's trace, pending effects, outbox replay and
 * maintenance on demand. SQL in outbox-queries.ts.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function outboxRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const relay = (env: E) => relayStub(options.relay(env));
  return (
    contractRoutes<{ Bindings: E } & Env>()
      .openapi(routes.getOutbox, async (c) => {
        const [figures, status] = await Promise.all([
          outboxFigures(options.d1(c.env)),
          relay(c.env).status(),
        ]);
        return c.json({ ...figures, relay: status }, 200);
      })
      // Operators' dashboard figures: throughput per minute over the last `minutes` (default
      // 15), what the consumer absorbed (duplicates) or deferred (retries, dead letters), relay health.
      .openapi(routes.getStats, async (c) => {
        const asked = Number(c.req.valid("query").minutes ?? 15) || 15;
        const minutes = Math.min(Math.max(asked, 1), 1440);
        const since = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
        const [figures, status] = await Promise.all([
          statsFigures(options.d1(c.env), since),
          relay(c.env).status(),
        ]);
        const now = Date.now();
        const { oldestPublishedAt } = figures.unacknowledged;
        return c.json(
          {
            outbox: {
              pending: figures.pending,
              oldestPendingAgeMs: figures.oldestPendingAt ? now - figures.oldestPendingAt : null,
              unacknowledged: figures.unacknowledged.events,
              oldestUnacknowledgedAgeMs:
                oldestPublishedAt === null ? null : now - oldestPublishedAt,
              resent: status.resentTotal,
            },
            perMinute: {
              since,
              published: figures.published,
              consumed: figures.consumed,
              consumer: figures.consumer,
            },
            totals: figures.totals,
            relay: status,
          },
          200,
        );
      })
      .openapi(routes.getPublishedEvents, async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const events = await publishedEvents(options.d1(c.env), after, limit);
        return c.json({ events, next: nextKey(events, limit) }, 200);
      })
      .openapi(routes.getHandledEvents, async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const rows = await handledEvents(options.d1(c.env), after, limit);
        return c.json({ events: rows.map((r) => r.id), next: nextKey(rows, limit) }, 200);
      })
      // The gateway's `GET /orders/{id}/trace` puts the services' answers together.
      .openapi(routes.getTrace, async (c) => {
        const d1 = options.d1(c.env);
        const { correlationId } = c.req.valid("param");
        const trace = await sagaTrace(d1, correlationId);
        const effects = options.effects ? { effects: await sagaEffects(d1, correlationId) } : {};
        return c.json({ ...trace, ...effects }, 200);
      })
      // What an operator looks at when a third party is down (each effect is made again with
      // its key, with backoff, until it answers).
      .openapi(routes.getEffects, async (c) =>
        c.json(
          options.effects ? await pendingEffects(options.d1(c.env)) : { pending: [], total: 0 },
          200,
        ),
      )
      // Backfill or rebuild a subscriber from this service's retained outbox (`OutboxRelay.replay`).
      .openapi(routes.startReplay, async (c) => {
        const { to, since } = c.req.valid("json");
        const answer = await relay(c.env).replay({ to, since: Date.parse(since) });
        if (!answer.ok) return refuse(c, 422, answer.code, answer.message);
        return c.json({ replay: answer.job }, 202);
      })
      .openapi(routes.getReplays, async (c) =>
        c.json({ replays: await relay(c.env).replays() }, 200),
      )
      // What the cron does, on demand: operators and local dev need not wait for the minute.
      .openapi(routes.runMaintenance, async (c) => {
        const pruned = await runMaintenance(options.d1(c.env), options.relay(c.env), {
          effects: options.effects,
        });
        return c.json({ relayPoked: true as const, pruned }, 200);
      })
  );
}
