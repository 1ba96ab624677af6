/**
 * The consumer cost bench of issue 6: time per event through the kit's real inbox consumer
 * (`createInboxConsumer`: validation, inbox dedupe, handler, commit) against the same
 * validation and handler committed without the inbox check and inbox row, and how the
 * dedupe's cost moves as the inbox table grows. Issue 12 adds the ceiling: a bare
 * group-committing consumer (mode `bare-group`) that applies the same events by hand with one
 * read and one D1 batch per queue batch. Timed inside the Worker with Date.now() (it
 * advances at each I/O; performance.now() is frozen in Workers).
 *
 * - POST /reset: empties the inbox and the counters
 * - POST /fill?rows=N: inserts N synthetic inbox rows (older UUIDv7-shaped ids, as a live
 *   service's inbox holds), 10,000 per statement
 * - POST /run?mode=inbox|plain|bare-group&events=N[&keep=1]: applies N fresh events in batches
 *   of 100 by calling the consumer's queue function with a synthetic MessageBatch; answers
 *   { mode, events, ms, usPerEvent, inboxRows } (inboxRows: the inbox's size when the run
 *   started). The run's own inbox rows are removed afterwards (untimed) unless keep=1, so
 *   repeated runs see the same inbox size.
 * - GET /stats: { inboxRows, counters }
 */
import {
  createInboxConsumer,
  type Decision,
  defineCatalog,
  defineEvent,
  type Envelope,
  type EventHandler,
  type EventOf,
  loggerFor,
  runBatch,
} from "@edge-saga/shared";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { counters } from "./schema";

interface Env {
  DB: D1Database;
}

const SERVICE = "bench";
const QUEUE = "edge-saga-bench-consumer-cost-inbox";
const BATCH_SIZE = 100;
/** The kit consumer's default concurrency; plain mode uses the same. */
const CONCURRENCY = 8;
/** Events are spread over this many counters (aggregates). */
const COUNTERS = 1000;
/** Fill rows are stamped from here on (2026-01-01), so their ids sort before fresh events'. */
const FILL_EPOCH_MS = 1_767_225_600_000;
const FILL_CHUNK = 10_000;

export const CounterBumped = defineEvent({
  type: "CounterBumped",
  version: 1,
  producer: SERVICE,
  subscribers: [SERVICE],
  payload: z.object({ counterId: z.string(), by: z.number().int().positive() }),
});
export const catalog = defineCatalog([CounterBumped]);

type Bumped = EventOf<typeof catalog, "CounterBumped">;

/**
 * What a typical service handler does: one read (the aggregate's current state, to skip a
 * stale event) and one write (an upsert of the aggregate).
 */
const bump: EventHandler<Env, Bumped> = async (event, { db }) => {
  const { counterId, by } = event.payload;
  const current = await db
    .select({ lastSequence: counters.lastSequence })
    .from(counters)
    .where(eq(counters.id, counterId))
    .get();
  if (current && current.lastSequence >= event.sequence) return {};
  return {
    statements: [
      db
        .insert(counters)
        .values({ id: counterId, value: by, lastSequence: event.sequence, updatedAt: Date.now() })
        .onConflictDoUpdate({
          target: counters.id,
          set: {
            value: sql`${counters.value} + ${by}`,
            lastSequence: sql`max(${counters.lastSequence}, excluded.last_sequence)`,
            updatedAt: sql`excluded.updated_at`,
          },
        }),
    ],
  };
};

const handlers: Record<string, EventHandler<Env>> = { CounterBumped: bump };

const consume = createInboxConsumer<Env>({
  service: SERVICE,
  catalog,
  db: (env) => drizzle(env.DB),
  concurrency: CONCURRENCY,
  handlers,
});

/**
 * A consumer without the dedupe: the same validation, the same handler, its statements
 * committed as one batch per event, acked; no inbox check, no inbox row. It logs the same
 * (debug) line per event as the kit consumer.
 */
async function consumePlain(batch: MessageBatch, env: Env): Promise<number> {
  const db = drizzle(env.DB);
  const log = loggerFor(env, { service: SERVICE });
  let applied = 0;
  const work = async (message: Message) => {
    const started = Date.now();
    const parsed = catalog.parse(message.body);
    if (!parsed.ok) throw new Error(`invalid bench event: ${parsed.reason}`);
    const handler = handlers[parsed.event.type];
    if (!handler) throw new Error(`no handler for ${parsed.event.type}`);
    const result = await handler(parsed.event, { db, env });
    const decision: Decision | undefined = Array.isArray(result) ? result[0] : result;
    await runBatch(db, decision?.statements ?? []);
    message.ack();
    applied++;
    log.debug("event applied", {
      eventId: parsed.event.id,
      type: parsed.event.type,
      correlationId: parsed.event.correlationId,
      causationId: parsed.event.causationId,
      attempts: message.attempts,
      durationMs: Date.now() - started,
    });
  };
  const pending = [...batch.messages];
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) await work(next);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
  return applied;
}

const UPSERT_COUNTER = `INSERT INTO counters (id, value, last_sequence, updated_at) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (id) DO UPDATE SET value = value + excluded.value,
    last_sequence = max(last_sequence, excluded.last_sequence), updated_at = excluded.updated_at`;

/** The fields of a CounterBumped envelope the bare consumer uses, checked by hand. */
function bumpOf(body: unknown): { counterId: string; by: number; sequence: number } | null {
  const event = body as {
    type?: unknown;
    sequence?: unknown;
    payload?: { counterId?: unknown; by?: unknown };
  } | null;
  if (event?.type !== "CounterBumped") return null;
  const { counterId, by } = event.payload ?? {};
  const sequence = event.sequence;
  if (typeof counterId !== "string" || typeof by !== "number" || !Number.isInteger(by) || by <= 0)
    return null;
  if (typeof sequence !== "number" || !Number.isInteger(sequence)) return null;
  return { counterId, by, sequence };
}

/**
 * The ceiling for the consumer (issue 12), like bench/bare-relay is for the relay: the same
 * events and the same effect as the handler above, applied the cheapest correct way by hand.
 * Per queue batch: ONE read of every counter the batch touches (one query), the stale-event
 * check in memory in message order (so two events of one counter in a batch behave as if
 * applied one after the other), ONE D1 batch with every write, then the acks. No inbox, no
 * kit, no drizzle, no per-event log line. Two D1 calls per 100 events.
 */
async function consumeBareGroup(batch: MessageBatch, env: Env): Promise<number> {
  const bumps = batch.messages.map((message) => {
    const bump = bumpOf(message.body);
    if (!bump) throw new Error(`invalid bench event ${message.id}`);
    return bump;
  });
  const ids = [...new Set(bumps.map((b) => b.counterId))];
  const { results } = await env.DB.prepare(
    "SELECT id, last_sequence AS lastSequence FROM counters WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(ids))
    .all<{ id: string; lastSequence: number }>();
  const last = new Map(results.map((row) => [row.id, row.lastSequence]));
  const upsert = env.DB.prepare(UPSERT_COUNTER);
  const now = Date.now();
  const writes: D1PreparedStatement[] = [];
  for (const { counterId, by, sequence } of bumps) {
    const seen = last.get(counterId);
    if (seen !== undefined && seen >= sequence) continue; // stale: already applied
    last.set(counterId, sequence);
    writes.push(upsert.bind(counterId, by, sequence, now));
  }
  if (writes.length > 0) await env.DB.batch(writes);
  for (const message of batch.messages) message.ack();
  return batch.messages.length;
}

type Mode = "inbox" | "plain" | "bare-group";
const MODES: readonly Mode[] = ["inbox", "plain", "bare-group"];

interface Tally {
  acked: number;
  retried: number;
}

function syntheticBatch(events: readonly Envelope[], tally: Tally): MessageBatch {
  const now = new Date();
  const messages: Message[] = events.map((body) => ({
    id: `msg-${body.id}`,
    timestamp: now,
    body,
    attempts: 1,
    ack: () => {
      tally.acked++;
    },
    retry: () => {
      tally.retried++;
    },
  }));
  return {
    queue: QUEUE,
    messages,
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    retryAll: () => {
      tally.retried += messages.length;
    },
    ackAll: () => {
      tally.acked += messages.length;
    },
  };
}

/** Fresh events: new UUIDv7 ids, sequences above every earlier run's, one saga each. */
function freshEvents(count: number): Envelope[] {
  // Date.now() * 1000 stays below 2^53; a run of N events takes far more than N µs.
  const base = Date.now() * 1000;
  return Array.from({ length: count }, (_, i) => {
    const counterId = `c${i % COUNTERS}`;
    const event = catalog.create("CounterBumped", {
      aggregateType: "counter",
      aggregateId: counterId,
      sequence: base + i,
      correlationId: `bench-${base}-${i}`,
      causationId: "bench",
      payload: { counterId, by: 1 },
    });
    return event;
  });
}

async function inboxRows(env: Env): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM inbox").first<{ n: number }>();
  return row?.n ?? 0;
}

async function fill(env: Env, rows: number): Promise<number> {
  let from = await inboxRows(env);
  for (let left = rows; left > 0; ) {
    const n = Math.min(FILL_CHUNK, left);
    // UUIDv7-shaped ids: 48-bit ms timestamp, then the row number, so every id is unique.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT ?1 + 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 + ?2)
       INSERT INTO inbox (event_id, type, correlation_id, processed_at)
       SELECT printf('%08x-%04x-7000-8000-%012x', (?3 + i) / 65536, (?3 + i) % 65536, i),
              'CounterBumped', 'fill-' || i, ?3 + i FROM n`,
    )
      .bind(from, n, FILL_EPOCH_MS)
      .run();
    from += n;
    left -= n;
  }
  return from;
}

async function run(env: Env, mode: Mode, events: number, keep: boolean) {
  const rowsBefore = await inboxRows(env);
  const all = freshEvents(events);
  const tally: Tally = { acked: 0, retried: 0 };
  let applied = 0;
  const startedAt = Date.now();
  for (let i = 0; i < all.length; i += BATCH_SIZE) {
    const batch = syntheticBatch(all.slice(i, i + BATCH_SIZE), tally);
    if (mode === "inbox") applied += (await consume(batch, env)).applied;
    else if (mode === "plain") applied += await consumePlain(batch, env);
    else applied += await consumeBareGroup(batch, env);
  }
  const ms = Date.now() - startedAt;
  if (applied !== events || tally.acked !== events || tally.retried !== 0)
    throw new Error(
      `${mode}: ${applied} applied, ${tally.acked} acked, ${tally.retried} retried of ${events}`,
    );
  // Untimed: drop this run's inbox rows (stamped now; fill rows are older) so the size holds.
  if (mode === "inbox" && !keep)
    await env.DB.prepare("DELETE FROM inbox WHERE processed_at >= ?").bind(startedAt).run();
  return {
    mode,
    events,
    ms,
    usPerEvent: Math.round((ms / events) * 1000 * 10) / 10,
    inboxRows: rowsBefore,
  };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const int = (name: string, fallback: number) => {
      const n = Number(url.searchParams.get(name) ?? fallback);
      return Number.isInteger(n) && n >= 0 ? n : fallback;
    };
    try {
      if (request.method === "GET" && url.pathname === "/") return json({ ok: true });
      if (request.method === "GET" && url.pathname === "/stats") {
        const row = await env.DB.prepare("SELECT count(*) AS n FROM counters").first<{
          n: number;
        }>();
        return json({ inboxRows: await inboxRows(env), counters: row?.n ?? 0 });
      }
      if (request.method === "POST" && url.pathname === "/reset") {
        await env.DB.batch([
          env.DB.prepare("DELETE FROM inbox"),
          env.DB.prepare("DELETE FROM counters"),
        ]);
        return json({ ok: true });
      }
      if (request.method === "POST" && url.pathname === "/fill") {
        const rows = Math.min(int("rows", 0), 1_000_000);
        const started = Date.now();
        const total = await fill(env, rows);
        return json({ filled: rows, inboxRows: total, ms: Date.now() - started });
      }
      if (request.method === "POST" && url.pathname === "/run") {
        const mode = MODES.find((m) => m === url.searchParams.get("mode"));
        if (!mode)
          return json(
            {
              error: {
                code: "BAD_REQUEST",
                message: `mode must be one of ${MODES.join(", ")}`,
              },
            },
            400,
          );
        const events = Math.min(Math.max(int("events", 1000), 1), 100_000);
        return json(await run(env, mode, events, url.searchParams.get("keep") === "1"));
      }
      return json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404);
    } catch (error) {
      return json({ error: { code: "INTERNAL", message: String(error) } }, 500);
    }
  },
} satisfies ExportedHandler<Env>;
