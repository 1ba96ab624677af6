import { desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { benchBaselinesEnabled } from "../bench/baselines";
import { countD1Calls } from "../bench/d1-calls";
import { countQueueMessages } from "../bench/queue-messages";
import { deadLetters, outbox } from "../db/kit-schema";
import { resolveDeadLetter } from "../dead-letters/dead-letters";
import { FaultPlanSchema, faultsEnabled } from "../faults/faults";
import { errorBody, issueDetails } from "../http/errors";
import { keysetPage } from "../http/keyset-page";
import { inboxReplayer, type Replayer } from "../inbox/inbox-consumer";
import { runMaintenance } from "../maintenance/maintenance";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export interface KitAdminOptions<Env, T extends OutboxRelay<any>> {
  /** The service's own D1 database. */
  d1: (env: Env) => D1Database;
  relay: (env: Env) => DurableObjectNamespace<T>;
  /**
   * Re-applies a dead letter's body (replay). Default: the inbox consumer created in this
   * Worker with `createInboxConsumer` (there is one per service).
   */
  replayer?: Replayer<Env>;
  /** The service makes effects (effects.ts): its trace shows them, and `/effects` lists them. */
  effects?: boolean;
}

const BenchBaselineInput = z.strictObject({
  /** Drain only every this many ms and ignore pokes; null: back to poke-driven. */
  relayPollIntervalMs: z.number().int().min(100).max(600_000).nullable(),
});

const ReplayInput = z.strictObject({
  /** The subscriber service to send to, e.g. "view". */
  to: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
  /** Replay rows committed at or after this time. */
  since: z.iso.datetime({ offset: true }),
});

/** Largest page of the event id routes: ids are small, so a page is a few hundred KB at most. */
const EVENT_PAGE_MAX = 5000;

/** The `after` of the next page, or null when this page was the last. */
const nextKey = (rows: { id: string }[], limit: number) =>
  rows.length === limit ? (rows[rows.length - 1]?.id ?? null) : null;

/**
 * Published events some subscriber has not sent a receipt for (see receipts.ts): how many,
 * since when, and how many each subscriber owes. Both read only the rows still awaiting.
 */
async function unacknowledgedOf(d1: D1Database): Promise<{
  events: number;
  oldestPublishedAt: number | null;
  bySubscriber: Record<string, number>;
}> {
  const [totals, owed] = await d1.batch<Record<string, number | string | null>>([
    d1.prepare(
      "SELECT count(*) AS events, min(published_at) AS oldest FROM outbox WHERE awaiting IS NOT NULL",
    ),
    d1.prepare(
      `SELECT s.value AS subscriber, count(*) AS events FROM outbox, json_each(outbox.awaiting) AS s
       WHERE outbox.awaiting IS NOT NULL GROUP BY 1 ORDER BY 1`,
    ),
  ]);
  const row = totals?.results[0];
  return {
    events: Number(row?.events ?? 0),
    oldestPublishedAt: (row?.oldest as number | null | undefined) ?? null,
    bySubscriber: Object.fromEntries(
      (owed?.results ?? []).map((r) => [String(r.subscriber), Number(r.events)]),
    ),
  };
}

const fail = (c: Context, status: ContentfulStatusCode, code: string, message: string) =>
  c.json(errorBody(code, message), status);

/**
 * Operator routes every service gets: outbox backlog with relay status, stats, one saga's
 * trace, dead letters (list, replay, discard) and, when FAULTS_ENABLED is "true", the fault plan.
 * Mount under `/admin`; the gateway guards them with the admin token.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function kitAdminRoutes<Env extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<Env, T>,
) {
  const disabled = (c: Context) =>
    fail(c, 404, "FAULTS_DISABLED", "fault injection is not enabled (FAULTS_ENABLED is not true)");

  return (
    new Hono<{ Bindings: Env }>()
      .get("/outbox", async (c) => {
        const db = drizzle(options.d1(c.env));
        const [backlog, totals, unacknowledged, relay] = await Promise.all([
          db
            .select({
              pending: sql<number>`count(*)`,
              oldestPendingAt: sql<number | null>`min(${outbox.createdAt})`,
            })
            .from(outbox)
            .where(isNull(outbox.publishedAt))
            .get(),
          db.get<{ outboxRows: number; inboxRows: number }>(
            sql`SELECT (SELECT count(*) FROM outbox) AS outboxRows, (SELECT count(*) FROM inbox) AS inboxRows`,
          ),
          unacknowledgedOf(options.d1(c.env)),
          relayStub(options.relay(c.env)).status(),
        ]);
        return c.json({
          pending: backlog?.pending ?? 0,
          oldestPendingAt: backlog?.oldestPendingAt ?? null,
          outboxRows: totals?.outboxRows ?? 0,
          inboxRows: totals?.inboxRows ?? 0,
          unacknowledged,
          relay,
        });
      })
      // Operators' dashboard figures: throughput per minute over the last `minutes` (default
      // 15), what the consumer absorbed (duplicates) or deferred (retries, dead letters), relay health.
      .get("/stats", async (c) => {
        const minutes = Math.min(Math.max(Number(c.req.query("minutes") ?? 15) || 15, 1), 1440);
        const since = Math.floor(Date.now() / 60_000) * 60_000 - (minutes - 1) * 60_000;
        const d1 = options.d1(c.env);
        const perMinute = (table: "outbox" | "inbox", column: string) =>
          d1.prepare(
            `SELECT (${column} / 60000) * 60000 AS minute, count(*) AS count FROM ${table}
             WHERE ${column} >= ?1 GROUP BY 1 ORDER BY 1`,
          );
        const [backlog, published, consumed, metrics, totals, openDead] = await d1.batch<
          Record<string, number | string | null>
        >([
          d1.prepare(
            "SELECT count(*) AS pending, min(created_at) AS oldestPendingAt FROM outbox WHERE published_at IS NULL",
          ),
          perMinute("outbox", "published_at").bind(since),
          perMinute("inbox", "processed_at").bind(since),
          d1
            .prepare(
              "SELECT metric, minute, count FROM consumer_metrics WHERE minute >= ? ORDER BY minute",
            )
            .bind(since),
          d1.prepare("SELECT metric, SUM(count) AS count FROM consumer_metrics GROUP BY metric"),
          d1.prepare("SELECT count(*) AS open FROM dead_letters WHERE resolved_at IS NULL"),
        ]);
        const [relay, unacknowledged] = await Promise.all([
          relayStub(options.relay(c.env)).status(),
          unacknowledgedOf(d1),
        ]);
        const total = (metric: string) =>
          Number(totals?.results.find((r) => r.metric === metric)?.count ?? 0);
        const now = Date.now();
        const oldest = backlog?.results[0]?.oldestPendingAt as number | null | undefined;
        return c.json({
          outbox: {
            pending: Number(backlog?.results[0]?.pending ?? 0),
            oldestPendingAgeMs: oldest ? now - oldest : null,
            unacknowledged: unacknowledged.events,
            oldestUnacknowledgedAgeMs:
              unacknowledged.oldestPublishedAt === null
                ? null
                : now - unacknowledged.oldestPublishedAt,
            resent: relay.resentTotal,
          },
          perMinute: {
            since,
            published: published?.results ?? [],
            consumed: consumed?.results ?? [],
            consumer: metrics?.results ?? [],
          },
          totals: {
            duplicatesAbsorbed: total("duplicate"),
            retries: total("retried"),
            deadLettered: total("dead-lettered"),
            openDeadLetters: Number(openDead?.results[0]?.open ?? 0),
          },
          relay,
        });
      })
      // For the consistency checker: every event this service published (and to whom it
      // went, by type), and every event it handled: applied (inbox) or dead-lettered.
      .get("/events/published", async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const { results } = await options
          .d1(c.env)
          .prepare(
            "SELECT event_id AS id, type FROM outbox WHERE published_at IS NOT NULL AND event_id > ? ORDER BY event_id LIMIT ?",
          )
          .bind(after, limit)
          .all<{ id: string; type: string }>();
        return c.json({ events: results, next: nextKey(results, limit) });
      })
      .get("/events/handled", async (c) => {
        const { after, limit } = keysetPage(c.req.url, EVENT_PAGE_MAX);
        const { results } = await options
          .d1(c.env)
          .prepare(
            `SELECT event_id AS id FROM inbox WHERE event_id > ?1
             UNION SELECT event_id FROM dead_letters WHERE event_id IS NOT NULL AND event_id > ?1
             ORDER BY 1 LIMIT ?2`,
          )
          .bind(after, limit)
          .all<{ id: string }>();
        return c.json({ events: results.map((r) => r.id), next: nextKey(results, limit) });
      })
      // One saga as this service saw it (epoch ms): the events it committed and published, the
      // events it applied (on which delivery, duplicates dropped since) and its dead letters.
      // The gateway's `GET /orders/{id}/trace` puts the services' answers together.
      .get("/trace/:correlationId", async (c) => {
        const d1 = options.d1(c.env);
        const id = c.req.param("correlationId");
        const [published, handled, dead] = await d1.batch<Record<string, unknown>>([
          d1
            .prepare(
              `SELECT event_id AS eventId, type, json_extract(body, '$.causationId') AS causationId,
                 created_at AS committedAt, published_at AS publishedAt,
                 awaiting AS awaitingReceiptFrom, resends
               FROM outbox WHERE correlation_id = ? ORDER BY seq`,
            )
            .bind(id),
          d1
            .prepare(
              `SELECT event_id AS eventId, type, processed_at AS appliedAt, attempts,
                 duplicates AS duplicatesDropped, last_duplicate_at AS lastDuplicateAt
               FROM inbox WHERE correlation_id = ? ORDER BY processed_at`,
            )
            .bind(id),
          // A dead letter's body may not even be JSON (that can be why it is here).
          d1
            .prepare(
              `SELECT event_id AS eventId, event_type AS type, reason, attempts,
                 received_at AS receivedAt, resolution
               FROM dead_letters
               WHERE CASE WHEN json_valid(body) THEN json_extract(body, '$.correlationId') END = ?
               ORDER BY received_at`,
            )
            .bind(id),
        ]);
        return c.json({
          published: published?.results ?? [],
          handled: handled?.results ?? [],
          deadLetters: dead?.results ?? [],
          ...(options.effects ? { effects: await effectsOf(d1, id) } : {}),
        });
      })
      // Effects still without an answer, oldest first: what an operator looks at when a third
      // party is down (each is made again with its key, with backoff, until it answers).
      .get("/effects", async (c) => {
        if (!options.effects) return c.json({ pending: [], total: 0 });
        const d1 = options.d1(c.env);
        const [rows, total] = await d1.batch<Record<string, unknown>>([
          d1.prepare(
            `SELECT key, kind, subject, correlation_id AS correlationId, attempts,
               next_attempt_at AS nextAttemptAt, last_error AS lastError, created_at AS createdAt
             FROM effects WHERE status = 'PENDING' ORDER BY seq LIMIT 100`,
          ),
          d1.prepare("SELECT COUNT(*) AS n FROM effects WHERE status = 'PENDING'"),
        ]);
        return c.json({ pending: rows?.results ?? [], total: total?.results[0]?.n ?? 0 });
      })
      // Backfill or rebuild a subscriber from this service's retained outbox (see `OutboxRelay.replay`).
      .post("/replay", async (c) => {
        const parsed = ReplayInput.safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success)
          return c.json(
            errorBody("VALIDATION_FAILED", "invalid replay", issueDetails(parsed.error)),
            400,
          );
        const answer = await relayStub(options.relay(c.env)).replay({
          to: parsed.data.to,
          since: Date.parse(parsed.data.since),
        });
        if (!answer.ok) return fail(c, 422, answer.code, answer.message);
        return c.json({ replay: answer.job }, 202);
      })
      .get("/replay", async (c) =>
        c.json({ replays: await relayStub(options.relay(c.env)).replays() }),
      )
      // What the cron does, on demand: operators and local dev need not wait for the minute.
      .post("/maintenance", async (c) => {
        const pruned = await runMaintenance(options.d1(c.env), options.relay(c.env), {
          effects: options.effects,
        });
        return c.json({ relayPoked: true, pruned });
      })
      .get("/dead-letters", async (c) => {
        const status = c.req.query("status");
        if (status !== undefined && status !== "open" && status !== "resolved")
          return fail(c, 400, "VALIDATION_FAILED", "status must be open or resolved");
        const rows = await drizzle(options.d1(c.env))
          .select()
          .from(deadLetters)
          .where(
            status === "open"
              ? isNull(deadLetters.resolvedAt)
              : status === "resolved"
                ? isNotNull(deadLetters.resolvedAt)
                : undefined,
          )
          .orderBy(desc(deadLetters.receivedAt))
          .limit(100)
          .all();
        return c.json({ deadLetters: rows });
      })
      // Re-applies the stored body through the consumer's own path: validation, handler and
      // inbox dedupe, so an event applied meanwhile (or replayed twice) is not applied again.
      .post("/dead-letters/:id/replay", async (c) => {
        const d1 = options.d1(c.env);
        const id = c.req.param("id");
        const row = await drizzle(d1)
          .select()
          .from(deadLetters)
          .where(eq(deadLetters.id, id))
          .get();
        if (!row) return fail(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        if (row.resolvedAt !== null)
          return fail(c, 409, "ALREADY_RESOLVED", `dead letter ${id} was ${row.resolution}`);
        const replayer = (options.replayer ?? inboxReplayer()) as Replayer<Env> | undefined;
        if (!replayer)
          return fail(c, 501, "NO_CONSUMER", "this Worker has no inbox consumer to replay through");
        const result = await replayer(row.body, c.env);
        if (result.outcome === "invalid")
          return fail(c, 422, "INVALID_MESSAGE", `still invalid: ${result.reason}`);
        if (result.outcome === "failed")
          return fail(c, 409, "REPLAY_FAILED", `handler failed: ${result.reason}`);
        // Applied or already applied: either way the event has had its effect exactly once.
        await resolveDeadLetter(d1, id, "replayed");
        return c.json({ id, resolution: "replayed", outcome: result.outcome });
      })
      .post("/dead-letters/:id/discard", async (c) => {
        const d1 = options.d1(c.env);
        const id = c.req.param("id");
        if (await resolveDeadLetter(d1, id, "discarded"))
          return c.json({ id, resolution: "discarded" });
        const row = await drizzle(d1)
          .select({ resolution: deadLetters.resolution })
          .from(deadLetters)
          .where(eq(deadLetters.id, id))
          .get();
        if (!row) return fail(c, 404, "NOT_FOUND", `no dead letter ${id}`);
        return fail(c, 409, "ALREADY_RESOLVED", `dead letter ${id} was ${row.resolution}`);
      })
      // D1 calls and queue messages of this Worker's isolate (fetch, queue consumer, relay), for
      // `npm run bench`'s "per saga" figures (bench/d1-calls.ts, bench/queue-messages.ts): the
      // first call starts the counting.
      .get("/bench/d1-calls", (c) => {
        if (!benchBaselinesEnabled(c.env))
          return fail(
            c,
            404,
            "BENCH_BASELINES_DISABLED",
            "benchmark baselines are not enabled (BENCH_BASELINES_ENABLED is not true)",
          );
        return c.json({
          ...countD1Calls(options.d1(c.env)),
          queueMessages: countQueueMessages(c.env),
        });
      })
      // The polling-relay baseline of `npm run bench` (see bench/baselines.ts).
      .put("/bench-baseline", async (c) => {
        if (!benchBaselinesEnabled(c.env))
          return fail(
            c,
            404,
            "BENCH_BASELINES_DISABLED",
            "benchmark baselines are not enabled (BENCH_BASELINES_ENABLED is not true)",
          );
        const parsed = BenchBaselineInput.safeParse(await c.req.json().catch(() => undefined));
        if (!parsed.success)
          return c.json(
            errorBody("VALIDATION_FAILED", "invalid baseline", issueDetails(parsed.error)),
            400,
          );
        const relay = relayStub(options.relay(c.env));
        await relay.setPollingBaseline(parsed.data.relayPollIntervalMs);
        return c.json({ relayPollIntervalMs: await relay.pollingIntervalMs() });
      })
      .get("/faults", async (c) => {
        if (!faultsEnabled(c.env)) return c.json({ enabled: false, plan: null, injected: {} });
        return c.json(await relayStub(options.relay(c.env)).faults());
      })
      .put("/faults", async (c) => {
        if (!faultsEnabled(c.env)) return disabled(c);
        const body = await c.req.json().catch(() => undefined);
        const parsed = FaultPlanSchema.safeParse(body);
        if (!parsed.success)
          return c.json(
            errorBody("VALIDATION_FAILED", "invalid fault plan", issueDetails(parsed.error)),
            400,
          );
        return c.json(await relayStub(options.relay(c.env)).setFaults(parsed.data));
      })
      .delete("/faults", async (c) => {
        if (!faultsEnabled(c.env)) return disabled(c);
        return c.json(await relayStub(options.relay(c.env)).clearFaults());
      })
  );
}

/** A saga's effects with every call made for each, in the order they were decided. */
async function effectsOf(d1: D1Database, correlationId: string) {
  const [effects, attempts] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(
        `SELECT key, kind, status, outcome, attempts, created_at AS decidedAt, done_at AS doneAt,
           last_error AS lastError
         FROM effects WHERE correlation_id = ? ORDER BY seq`,
      )
      .bind(correlationId),
    d1
      .prepare(
        `SELECT a.key, a.attempt, a.started_at AS startedAt, a.ms, a.result, a.detail
         FROM effect_attempts a JOIN effects e ON e.key = a.key
         WHERE e.correlation_id = ? ORDER BY a.started_at, a.attempt`,
      )
      .bind(correlationId),
  ]);
  return (effects?.results ?? []).map((effect) => ({
    ...effect,
    calls: (attempts?.results ?? []).filter((a) => a.key === effect.key),
  }));
}
