import type { Env } from "hono";
import { IdSchema } from "../envelope";
import { contractRoutes } from "../http/contract-routes";
import { keysetPage } from "../http/keyset-page";
import { runMaintenance } from "../maintenance/maintenance";
import type { OutboxRelay, ReplayJob } from "../relay/outbox-relay";
import { totalUnrouted } from "../relay/relay-send";
import { type KitAdminOptions, refuse } from "./admin-options";
import { outboxRouteDefinitions as routes } from "./admin-route-definitions";
import { EVENT_PAGE_MAX } from "./admin-schemas";
import {
  adminShards,
  earliest,
  mergeByTime,
  mergeMinutes,
  mergePages,
  mergeRelayStatus,
  mergeReplays,
  mergeUnacknowledged,
  onEveryShard,
  sumFields,
} from "./admin-shards";
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

/** Ids a trace asks dead letters of: well-formed ones, at most a queue batch's worth. */
const traceEventIds = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .filter((id) => IdSchema.safeParse(id).success)
    .slice(0, 100);

const sumOf = <R>(rows: R[], n: (row: R) => number) => rows.reduce((total, r) => total + n(r), 0);

/**
 * The outbox's operator routes: backlog with relay status, stats, the event ids published and
 * handled (the consistency checker's), one saga's trace, pending effects, outbox replay and
 * maintenance on demand. SQL in outbox-queries.ts.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function outboxRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<E, T>,
) {
  const shards = (env: E) => adminShards(options, env);
  return (
    contractRoutes<{ Bindings: E } & Env>()
      // Every shard's backlog and relay, summed into the fields of one database, and each apart.
      .openapi(routes.getOutbox, async (c) => {
        const parts = await onEveryShard(shards(c.env), async ({ shard, d1, relay }) => {
          const [figures, status] = await Promise.all([outboxFigures(d1), relay.status()]);
          return { shard, ...figures, relay: status };
        });
        return c.json(
          {
            pending: sumOf(parts, (p) => p.pending),
            oldestPendingAt: earliest(parts.map((p) => p.oldestPendingAt)),
            outboxRows: sumOf(parts, (p) => p.outboxRows),
            inboxRows: sumOf(parts, (p) => p.inboxRows),
            unacknowledged: mergeUnacknowledged(parts.map((p) => p.unacknowledged)),
            relay: mergeRelayStatus(parts.map((p) => p.relay)),
            shards: parts,
          },
          200,
        );
      })
      // Operators' dashboard figures: throughput per minute over the last `minutes` (default
      // 15), what the consumer absorbed (duplicates) or deferred (retries, dead letters), relay
      // health; over every shard, and each shard's backlog, totals and relay apart.
      .openapi(routes.getStats, async (c) => {
        const asked = Number(c.req.valid("query").minutes ?? 15) || 15;
        const minutes = Math.min(Math.max(asked, 1), 1440);
        const since = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - (minutes - 1) * MINUTE_MS;
        const parts = await onEveryShard(shards(c.env), async ({ shard, d1, relay }) => {
          const [figures, status] = await Promise.all([statsFigures(d1, since), relay.status()]);
          return { shard, figures, status };
        });
        const now = Date.now();
        /** The `outbox` figures of before, of the shards in `of`. */
        const outboxOf = (of: typeof parts) => {
          const unacknowledged = mergeUnacknowledged(of.map((p) => p.figures.unacknowledged));
          const oldestPendingAt = earliest(of.map((p) => p.figures.oldestPendingAt));
          return {
            pending: sumOf(of, (p) => p.figures.pending),
            oldestPendingAgeMs: oldestPendingAt ? now - oldestPendingAt : null,
            unacknowledged: unacknowledged.events,
            oldestUnacknowledgedAgeMs:
              unacknowledged.oldestPublishedAt === null
                ? null
                : now - unacknowledged.oldestPublishedAt,
            resent: sumOf(of, (p) => p.status.resentTotal),
            unrouted: totalUnrouted(...of.map((p) => p.status.unrouted)),
          };
        };
        return c.json(
          {
            outbox: outboxOf(parts),
            perMinute: {
              since,
              published: mergeMinutes(parts.map((p) => p.figures.published)),
              consumed: mergeMinutes(parts.map((p) => p.figures.consumed)),
              consumer: mergeMinutes(parts.map((p) => p.figures.consumer)),
            },
            totals: sumFields(parts.map((p) => p.figures.totals)),
            relay: mergeRelayStatus(parts.map((p) => p.status)),
            shards: parts.map((part) => ({
              shard: part.shard,
              outbox: outboxOf([part]),
              totals: part.figures.totals,
              relay: part.status,
            })),
          },
          200,
        );
      })
      .openapi(routes.getPublishedEvents, async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const parts = await onEveryShard(shards(c.env), ({ d1 }) =>
          publishedEvents(d1, after, limit),
        );
        const events = mergePages(parts, (e) => e.id, limit);
        return c.json({ events, next: nextKey(events, limit) }, 200);
      })
      .openapi(routes.getHandledEvents, async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const parts = await onEveryShard(shards(c.env), ({ d1 }) =>
          handledEvents(d1, after, limit),
        );
        const rows = mergePages(parts, (r) => r.id, limit);
        return c.json({ events: rows.map((r) => r.id), next: nextKey(rows, limit) }, 200);
      })
      // The gateway's `GET /orders/{id}/trace` puts the services' answers together. On several
      // shards each row names the shard it was found on.
      // `?events=<id>,<id>`: events of the saga the caller saw this service not apply, whose
      // dead letters it asks for too (operations' second look, workers/operations/src/trace).
      .openapi(routes.getTrace, async (c) => {
        const { correlationId } = c.req.valid("param");
        const eventIds = traceEventIds(c.req.query("events"));
        const parts = await onEveryShard(shards(c.env), async ({ d1 }) => ({
          ...(await sagaTrace(d1, correlationId, eventIds)),
          effects: options.effects ? await sagaEffects(d1, correlationId) : [],
        }));
        const trace = {
          published: mergeByTime(
            parts.map((p) => p.published),
            (r) => r.committedAt,
          ),
          handled: mergeByTime(
            parts.map((p) => p.handled),
            (r) => r.appliedAt,
          ),
          deadLetters: mergeByTime(
            parts.map((p) => p.deadLetters),
            (r) => r.receivedAt,
          ),
        };
        const effects = options.effects
          ? {
              effects: mergeByTime(
                parts.map((p) => p.effects),
                (e) => (e as { decidedAt?: number }).decidedAt,
              ),
            }
          : {};
        return c.json({ ...trace, ...effects }, 200);
      })
      // What an operator looks at when a third party is down (each effect is made again with
      // its key, with backoff, until it answers).
      .openapi(routes.getEffects, async (c) => {
        if (!options.effects) return c.json({ pending: [], total: 0 }, 200);
        const parts = await onEveryShard(shards(c.env), ({ d1 }) => pendingEffects(d1));
        return c.json(
          {
            pending: mergeByTime(
              parts.map((p) => p.pending),
              (e) => e.createdAt as number,
            ).slice(0, 100),
            total: sumOf(parts, (p) => p.total),
          },
          200,
        );
      })
      // Backfill or rebuild a subscriber from this service's retained outbox
      // (`OutboxRelay.replay`): every shard's relay replays its own outbox.
      .openapi(routes.startReplay, async (c) => {
        const { to, since } = c.req.valid("json");
        const answers = await onEveryShard(shards(c.env), async ({ shard, relay }) => ({
          shard,
          answer: await relay.replay({ to, since: Date.parse(since) }),
        }));
        const jobs: { shard: number; replay: ReplayJob }[] = [];
        for (const { shard, answer } of answers) {
          if (!answer.ok) return refuse(c, 422, answer.code, answer.message);
          jobs.push({ shard, replay: answer.job });
        }
        const replay = mergeReplays(jobs.map((j) => ({ [to]: j.replay })))[to] as ReplayJob;
        return c.json({ replay, ...(jobs.length > 1 ? { shards: jobs } : {}) }, 202);
      })
      .openapi(routes.getReplays, async (c) => {
        const parts = await onEveryShard(shards(c.env), async ({ shard, relay }) => ({
          shard,
          replays: await relay.replays(),
        }));
        return c.json(
          {
            replays: mergeReplays(parts.map((p) => p.replays)),
            ...(parts.length > 1 ? { shards: parts } : {}),
          },
          200,
        );
      })
      // What the cron does, on demand, on every shard: operators and local dev need not wait
      // for the minute.
      .openapi(routes.runMaintenance, async (c) => {
        const parts = await onEveryShard(shards(c.env), async ({ shard, d1 }) => ({
          shard,
          pruned: await runMaintenance(d1, options.relay(c.env), {
            effects: options.effects,
            shard,
          }),
        }));
        return c.json(
          {
            relayPoked: true as const,
            pruned: sumFields(parts.map((p) => p.pruned)),
            ...(parts.length > 1 ? { shards: parts } : {}),
          },
          200,
        );
      })
  );
}
