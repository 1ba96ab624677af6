import { eq, sql } from "drizzle-orm";
import type { Catalog } from "../catalog";
import { consumerMetrics, inbox } from "../db/kit-schema";
import {
  type AnyD1Database,
  errorText,
  isConstraintError,
  runBatch,
  type Statement,
} from "../db/types";
import { consumeDeadLetterBatch, storeDeadLetter } from "../dead-letters/dead-letters";
import type { Envelope } from "../envelope";
import { faultsEnabled, InjectedFault } from "../faults/faults";
import { outboxInserts } from "../outbox/outbox-writer";
import { type OutboxRelay, relayStub } from "../relay/outbox-relay";
import { decodeBody, processedAmong } from "./processed-events";

/** What applying one event does: state changes and the events they cause, committed as one batch. */
export interface Decision {
  statements?: Statement[];
  events?: Envelope[];
}

/**
 * A handler reads what it needs and returns the writes to commit. It may return
 * alternatives: each is tried in order, and one refused by a database constraint
 * (CHECK, UNIQUE) falls through to the next, e.g. `[reserveAll, reportOutOfStock]`.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own event type
export type EventHandler<Env, E extends Envelope = any> = (
  event: E,
  context: { db: AnyD1Database; env: Env },
) => Promise<Decision | Decision[]> | Decision | Decision[];

export interface InboxConsumerOptions<Env> {
  /** Name of the consuming service, as in the catalog's subscribers. */
  service: string;
  catalog: Pick<Catalog, "parse">;
  db: (env: Env) => AnyD1Database;
  /** One handler per event type this service consumes. */
  handlers: Record<string, EventHandler<Env>>;
  /** Called once after a batch committed new events, to get them moving. */
  afterCommit?: (env: Env) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered; match the queue's `max_retries + 1`. */
  maxAttempts?: number;
  /**
   * Messages of a batch applied at once. Messages with the same correlation id (one saga)
   * are always applied one after another, in delivery order. Default 8.
   */
  concurrency?: number;
  /**
   * Which messages must be applied one after another: those with the same key. Default: the
   * correlation id (one saga). A service whose rows are per customer, say, keys by customer
   * so that concurrent messages never race for the same optimistic lock.
   */
  serializeBy?: (event: Partial<Envelope>) => string | undefined;
  /** Backoff between retries of a failing message. */
  retryDelaySeconds?: (attempts: number) => number;
  /**
   * The service's relay, which holds the fault plan (only used when FAULTS_ENABLED is
   * "true"). Default: the env's only Durable Object namespace binding.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
  relay?: (env: Env) => DurableObjectNamespace<OutboxRelay<any>>;
}

/** What re-applying a stored body did: see `replayDeadLetterBody`. */
export type ReplayResult =
  | { outcome: "applied" | "duplicate"; emitted: number }
  | { outcome: "invalid"; reason: string }
  | { outcome: "failed"; reason: string };

/** Re-applies one stored message body through a consumer's path (validation, handler, inbox dedupe). */
export type Replayer<Env = unknown> = (body: unknown, env: Env) => Promise<ReplayResult>;

// Every consumer created in this Worker, by service: the kit's admin routes replay dead
// letters through it. Filled at module load, so every isolate of the Worker has it.
const replayers = new Map<string, Replayer>();

/** The replayer of `service`'s consumer, or the only consumer of this Worker when not named. */
export function inboxReplayer(service?: string): Replayer | undefined {
  if (service) return replayers.get(service);
  return replayers.size === 1 ? [...replayers.values()][0] : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
type AnyRelayNamespace = DurableObjectNamespace<OutboxRelay<any>>;

/** The env's only Durable Object namespace: a service's relay. */
function soleDurableObjectNamespace(env: unknown): AnyRelayNamespace | undefined {
  if (typeof env !== "object" || env === null) return undefined;
  const namespaces = Object.values(env).filter(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      (value as object).constructor?.name === "DurableObjectNamespace",
  );
  return namespaces.length === 1 ? (namespaces[0] as AnyRelayNamespace) : undefined;
}

export type Outcome = "applied" | "duplicate" | "dead-lettered" | "retried";

/** Times a handler is re-run when every alternative it returned hit a constraint. */
const CONFLICT_ROUNDS = 3;

/** Default backoff: 2, 4, 8 ... up to 300 s. */
export const defaultRetryDelaySeconds = (attempts: number) => Math.min(2 ** attempts, 300);

function isInboxDuplicate(error: unknown): boolean {
  return /UNIQUE constraint failed: inbox\.event_id/i.test(errorText(error));
}

/**
 * Builds a `queue()` handler for a service's inbox. Each message is validated
 * against the catalog, applied exactly once (inbox row in the same batch as the
 * effects) and acked or retried on its own; invalid or persistently failing
 * messages go to `dead_letters` and never hold up the rest of the batch.
 * Messages from a queue whose name ends in `-dlq` are stored as dead letters.
 */
export function createInboxConsumer<Env>(options: InboxConsumerOptions<Env>) {
  const maxAttempts = options.maxAttempts ?? 6;
  const retryDelay = options.retryDelaySeconds ?? defaultRetryDelaySeconds;

  /**
   * `consumer.throw-after-commit`: a crash between the commit and the ack. No I/O unless
   * FAULTS_ENABLED; then one call per batch to learn whether the plan uses the point, and
   * one draw per committed message only if it does.
   */
  async function crashPoint(env: Env): Promise<(() => Promise<void>) | undefined> {
    if (!faultsEnabled(env)) return undefined;
    const namespace = options.relay ? options.relay(env) : soleDurableObjectNamespace(env);
    if (!namespace) return undefined;
    const relay = relayStub(namespace);
    if (!(await relay.faultArmed("consumer.throw-after-commit"))) return undefined;
    return async () => {
      if (await relay.injectFault("consumer.throw-after-commit"))
        throw new InjectedFault("consumer.throw-after-commit");
    };
  }

  async function alreadyProcessed(db: AnyD1Database, eventId: string): Promise<boolean> {
    const row = await db
      .select({ id: inbox.eventId })
      .from(inbox)
      .where(eq(inbox.eventId, eventId))
      .get();
    return row !== undefined;
  }

  /**
   * `attempts`: the delivery this is (stored on the inbox row). `knownNew`: the caller has
   * just checked the inbox for this event (one query for the whole batch), so the first
   * round skips its own check. The inbox row in the commit still catches a delivery that
   * raced in since.
   */
  async function apply(
    db: AnyD1Database,
    env: Env,
    event: Envelope,
    attempts: number,
    knownNew = false,
  ): Promise<{ outcome: "applied" | "duplicate"; emitted: number }> {
    const handler = options.handlers[event.type];
    if (!handler) throw new Error(`${options.service} has no handler for ${event.type}`);
    // A constraint refusing every alternative may be an optimistic-lock conflict with a
    // concurrent delivery (another event for the same aggregate): read again and re-decide.
    for (let round = 1; ; round++) {
      const skipCheck = knownNew && round === 1;
      if (!skipCheck && (await alreadyProcessed(db, event.id))) return dropDuplicate(db, event.id);
      try {
        return await commitFirstAccepted(db, event, attempts, await handler(event, { db, env }));
      } catch (error) {
        if (isInboxDuplicate(error)) return dropDuplicate(db, event.id);
        if (!isConstraintError(error) || round >= CONFLICT_ROUNDS) throw error;
      }
    }
  }

  async function commitFirstAccepted(
    db: AnyD1Database,
    event: Envelope,
    attempts: number,
    result: Decision | Decision[],
  ) {
    const alternatives = Array.isArray(result) ? result : [result];
    if (alternatives.length === 0) throw new Error("handler returned no decision");
    for (const [index, decision] of alternatives.entries()) {
      const events = decision.events ?? [];
      const statements: Statement[] = [
        ...(decision.statements ?? []),
        ...outboxInserts(db, events),
        db.insert(inbox).values({
          eventId: event.id,
          type: event.type,
          correlationId: event.correlationId,
          processedAt: Date.now(),
          attempts,
        }),
      ];
      try {
        await runBatch(db, statements);
        return { outcome: "applied" as const, emitted: events.length };
      } catch (error) {
        // Another delivery of this event won the race: the batch rolled back, nothing applied twice.
        if (
          isInboxDuplicate(error) ||
          !isConstraintError(error) ||
          index === alternatives.length - 1
        )
          throw error;
      }
    }
    throw new Error("unreachable");
  }

  async function handleMessage(
    db: AnyD1Database,
    env: Env,
    queue: string,
    message: Message,
    processed: ReadonlySet<string>,
    crashAfterCommit?: () => Promise<void>,
  ): Promise<{ outcome: Outcome; emitted: number }> {
    const body = decodeBody(message.body);
    const deadLetter = async (reason: string, eventId?: string, eventType?: string) => {
      await storeDeadLetter(db, {
        queue,
        messageId: message.id,
        body,
        reason,
        attempts: message.attempts,
        eventId,
        eventType,
      });
      message.ack();
      return { outcome: "dead-lettered" as const, emitted: 0 };
    };
    const parsed = options.catalog.parse(body);
    if (!parsed.ok) return deadLetter(parsed.reason, parsed.eventId, parsed.eventType);
    const event = parsed.event;
    if (!options.handlers[event.type])
      return deadLetter(`${options.service} does not consume ${event.type}`, event.id, event.type);
    if (processed.has(event.id)) {
      message.ack();
      return dropDuplicate(db, event.id);
    }
    try {
      const result = await apply(db, env, event, message.attempts, true);
      if (result.outcome === "applied" && crashAfterCommit) await crashAfterCommit();
      message.ack();
      return result;
    } catch (error) {
      if (error instanceof InjectedFault) throw error;
      if (message.attempts >= maxAttempts) {
        return deadLetter(
          `handler failed ${message.attempts} times: ${errorText(error)}`,
          event.id,
          event.type,
        );
      }
      message.retry({ delaySeconds: retryDelay(message.attempts) });
      return { outcome: "retried", emitted: 0 };
    }
  }

  async function replay(body: unknown, env: Env): Promise<ReplayResult> {
    const db = options.db(env);
    const parsed = options.catalog.parse(decodeBody(body));
    if (!parsed.ok) return { outcome: "invalid", reason: parsed.reason };
    if (!options.handlers[parsed.event.type])
      return {
        outcome: "invalid",
        reason: `${options.service} does not consume ${parsed.event.type}`,
      };
    let result: { outcome: "applied" | "duplicate"; emitted: number };
    try {
      // A replay counts as a first delivery; its dead letter in the trace tells what came before.
      result = await apply(db, env, parsed.event, 1);
    } catch (error) {
      return { outcome: "failed", reason: errorText(error) };
    }
    if (result.emitted > 0 && options.afterCommit) await options.afterCommit(env);
    return result;
  }
  replayers.set(options.service, replay as Replayer);

  const laneOf = (event: Partial<Envelope>) =>
    options.serializeBy?.(event) ??
    (typeof event.correlationId === "string" ? `saga:${event.correlationId}` : undefined);

  return async function queue(batch: MessageBatch, env: Env): Promise<Record<Outcome, number>> {
    const db = options.db(env);
    const counts: Record<Outcome, number> = {
      applied: 0,
      duplicate: 0,
      "dead-lettered": 0,
      retried: 0,
    };
    if (batch.queue.endsWith("-dlq")) {
      await consumeDeadLetterBatch(db, batch);
      counts["dead-lettered"] = batch.messages.length;
      return counts;
    }
    const crashAfterCommit = await crashPoint(env);
    const processed = await processedAmong(db, batch.messages);
    // The relay is poked as soon as the first new event is committed, so the next hop
    // does not wait for the rest of the batch, and once more at the end if more came.
    // A poke is best effort (the cron catches up), so a slow relay never holds the batch,
    // nor the lane that committed: the relay drains while the batch goes on.
    let unpoked = 0;
    const pokes: Promise<void>[] = [];
    const poke = () => {
      unpoked = 0;
      pokes.push(atMost(SIDE_CALL_MS, options.afterCommit?.(env)));
    };
    const batchStarted = Date.now();
    const handleOne = async (message: Message) => {
      const started = Date.now();
      let result: { outcome: Outcome; emitted: number };
      try {
        result = await handleMessage(db, env, batch.queue, message, processed, crashAfterCommit);
      } catch (error) {
        // A simulated crash: leave the rest of the batch to the platform's redelivery.
        if (error instanceof InjectedFault) throw error;
        // Even the dead-letter write failed (database unavailable): let the platform redeliver.
        message.retry({ delaySeconds: retryDelay(message.attempts) });
        result = { outcome: "retried", emitted: 0 };
        console.error(
          JSON.stringify({
            level: "error",
            service: options.service,
            msg: "message not handled",
            messageId: message.id,
            error: errorText(error),
          }),
        );
      }
      counts[result.outcome]++;
      if (result.emitted > 0) {
        unpoked += result.emitted;
        if (pokes.length === 0) poke();
      }
      logOutcome(message, result.outcome, Date.now() - started);
    };
    await runInLanes(batch.messages, options.concurrency ?? 8, laneOf, handleOne);
    if (unpoked > 0) poke();
    // Awaited, not left to waitUntil: a queue invocation is over when its handler returns.
    await Promise.all([...pokes, atMost(SIDE_CALL_MS, recordMetrics(db, counts))]);
    console.log(
      JSON.stringify({
        level: "info",
        service: options.service,
        msg: "batch done",
        queue: batch.queue,
        messages: batch.messages.length,
        ...counts,
        durationMs: Date.now() - batchStarted,
      }),
    );
    return counts;
  };

  function logOutcome(message: Message, outcome: Outcome, durationMs: number) {
    const body = decodeBody(message.body) as Partial<Envelope> | undefined;
    console.log(
      JSON.stringify({
        level: outcome === "applied" || outcome === "duplicate" ? "info" : "warn",
        service: options.service,
        msg: `event ${outcome}`,
        eventId: body?.id,
        type: body?.type,
        correlationId: body?.correlationId,
        causationId: body?.causationId,
        attempts: message.attempts,
        durationMs,
      }),
    );
  }
}

const MINUTE_MS = 60_000;
/** Longest wait for a best-effort side call (relay poke, metrics) before the batch moves on. */
const SIDE_CALL_MS = 5_000;

/** Waits for `promise`, but no longer than `ms`; a failure or a late answer is ignored. */
async function atMost(ms: number, promise: Promise<unknown> | undefined): Promise<void> {
  if (!promise) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]);
  if (timer !== undefined) clearTimeout(timer);
}

/**
 * The outcome of a delivery of an event already applied, noted on its inbox row (how many
 * copies were dropped, the last when) so an order's trace shows them. Best effort: the
 * delivery is dropped either way, so a failure here is logged, never retried.
 */
async function dropDuplicate(
  db: AnyD1Database,
  eventId: string,
): Promise<{ outcome: "duplicate"; emitted: 0 }> {
  const noted = db
    .update(inbox)
    .set({ duplicates: sql`${inbox.duplicates} + 1`, lastDuplicateAt: Date.now() })
    .where(eq(inbox.eventId, eventId))
    .then(undefined, (error: unknown) =>
      console.error(
        JSON.stringify({
          level: "error",
          msg: "duplicate not noted",
          eventId,
          error: errorText(error),
        }),
      ),
    );
  await atMost(SIDE_CALL_MS, noted);
  return { outcome: "duplicate", emitted: 0 };
}

/**
 * Adds the batch's duplicates, retries and dead letters to this minute's counters (one
 * statement, only when there is something to count). Counting is best effort: the batch's
 * outcome is already decided, so a failure here is logged, never retried.
 */
async function recordMetrics(db: AnyD1Database, counts: Record<Outcome, number>) {
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const rows = (["duplicate", "retried", "dead-lettered"] as const)
    .filter((metric) => counts[metric] > 0)
    .map((metric) => ({ metric, minute, count: counts[metric] }));
  if (rows.length === 0) return;
  try {
    await db
      .insert(consumerMetrics)
      .values(rows)
      .onConflictDoUpdate({
        target: [consumerMetrics.metric, consumerMetrics.minute],
        set: { count: sql`${consumerMetrics.count} + excluded.count` },
      });
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "consumer metrics not recorded",
        error: errorText(error),
      }),
    );
  }
}

/**
 * Runs `work` for every message, up to `concurrency` at a time; messages with the same lane
 * key (by default one saga) run one after another in delivery order, since they usually
 * touch the same rows and would only conflict.
 */
async function runInLanes(
  messages: readonly Message[],
  concurrency: number,
  laneOf: (event: Partial<Envelope>) => string | undefined,
  work: (message: Message) => Promise<void>,
): Promise<void> {
  const lanes = new Map<string, Message[]>();
  for (const message of messages) {
    const body = decodeBody(message.body);
    const event = (typeof body === "object" && body !== null ? body : {}) as Partial<Envelope>;
    const key = laneOf(event) ?? `message:${message.id}`;
    const lane = lanes.get(key);
    if (lane) lane.push(message);
    else lanes.set(key, [message]);
  }
  const queue = [...lanes.values()];
  // A simulated crash stops every lane, as a real one would, and then fails the invocation.
  let crash: { error: unknown } | undefined;
  const worker = async () => {
    for (let lane = queue.shift(); lane && !crash; lane = queue.shift()) {
      for (const message of lane) {
        if (crash) return;
        try {
          await work(message);
        } catch (error) {
          crash = { error };
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (crash) throw crash.error;
}
