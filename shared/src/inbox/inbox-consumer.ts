import { eq } from "drizzle-orm";
import type { Catalog } from "../catalog";
import { inbox } from "../db/kit-schema";
import { retryOnConflict } from "../db/retry-on-conflict";
import { runsWithin } from "../db/runs-within";
import {
  type AnyD1Database,
  errorText,
  isConstraintError,
  runBatch,
  type Statement,
} from "../db/types";
import { consumeDeadLetterBatch, storeDeadLetter } from "../dead-letters/dead-letters";
import { type EffectIntent, effectInserts } from "../effects/effects";
import type { Envelope } from "../envelope";
import { loggerFor } from "../log/logger";
import { outboxInserts } from "../outbox/outbox-writer";
import {
  type HandledEvent,
  inboxQueueByConvention,
  type Receipt,
  receiptOf,
  receiptOwed,
  sendReceipts,
} from "../receipts/receipts";
import { atMost, recordBookkeeping, SIDE_CALL_MS } from "./batch-bookkeeping";
import { coalescedReads } from "./coalesced-reads";
import { type AnyRelayNamespace, crashAfterCommitPoint } from "./consumer-faults";
import { inParallel, roundsByLane } from "./lanes";
import { decodeBody, inboxInserts, inboxLookup } from "./processed-events";
import { type ReplayResult, registerReplayer } from "./replayers";

export { inboxReplayer, type Replayer, type ReplayResult } from "./replayers";

/** What applying one event does: state changes and the events they cause, committed as one batch. */
export interface Decision {
  statements?: Statement[];
  events?: Envelope[];
  /** Calls outside the database this decides: recorded here, made by the relay (effects.ts). */
  effects?: EffectIntent[];
}

/**
 * A handler reads what it needs and returns the writes to commit. It may return
 * alternatives: each is tried in order, and one refused by a database constraint
 * (CHECK, UNIQUE) falls through to the next, e.g. `[reserveAll, reportOutOfStock]`.
 * Its reads through `db` are sent together with the other handlers' of the same round
 * (see coalesced-reads.ts): write it as if it ran alone.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own event type
export type EventHandler<Env, E extends Envelope = any> = (
  event: E,
  context: { db: AnyD1Database; env: Env },
) => Promise<Decision | Decision[]> | Decision | Decision[];

export interface InboxConsumerOptions<Env extends { DB: D1Database }> {
  /** Name of the consuming service, as in the catalog's subscribers. */
  service: string;
  catalog: Pick<Catalog, "parse" | "subscribersOf">;
  /** The service's drizzle database over `env.DB` (the consumer hands it a coalescing `DB`). */
  db: (env: Env) => AnyD1Database;
  /** One handler per event type this service consumes. */
  handlers: Record<string, EventHandler<Env>>;
  /**
   * Called with the events a batch committed, to get them moving (`pokeRelay`); `effects`:
   * it also recorded effects, which the relay makes.
   */
  afterCommit?: (env: Env, events: Envelope[], committed?: { effects: boolean }) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered; match the queue's `max_retries + 1`. */
  maxAttempts?: number;
  /** Messages applied one by one (out of their group) at once. Default 8. */
  concurrency?: number;
  /**
   * Which messages must be applied one after another: those with the same key. Default: the
   * correlation id (one saga). A service whose rows are per customer, say, keys by customer.
   */
  serializeBy?: (event: Partial<Envelope>) => string | undefined;
  /** Backoff between retries of a failing message. */
  retryDelaySeconds?: (attempts: number) => number;
  /** Most statements in one group commit (D1 counts each against an invocation's queries). */
  maxStatementsPerCommit?: number;
  /** The service's relay, which holds the fault plan. Default: the env's only DO namespace. */
  relay?: (env: Env) => AnyRelayNamespace;
  /**
   * Where the receipts for a producer's events go (see receipts.ts). Default: the producer's
   * inbox queue bound as `<PRODUCER>_INBOX`, e.g. `ORDER_INBOX`.
   */
  receiptQueue?: (env: Env, producer: string) => Queue | undefined;
}

export type Outcome = "applied" | "duplicate" | "dead-lettered" | "retried";
type Applied = { outcome: "applied" | "duplicate"; events: Envelope[]; effects?: boolean };

/** Times a message applied on its own is re-decided when every alternative hit a constraint. */
const CONFLICT_ROUNDS = 3;

/** Default backoff: 2, 4, 8 ... up to 300 s. */
export const defaultRetryDelaySeconds = (attempts: number) => Math.min(2 ** attempts, 300);

function isInboxDuplicate(error: unknown): boolean {
  return /UNIQUE constraint failed: inbox\.event_id/i.test(errorText(error));
}

interface Delivery {
  message: Message;
  event: Envelope;
}

/** What one event's commit needs: its decision, and the delivery that applies it. */
interface Commit {
  event: Envelope;
  attempts: number;
  decision: Decision;
}

/** A delivery decided in its round. */
interface Decided extends Delivery {
  decision: Decision;
}

/**
 * Builds a `queue()` handler for a service's inbox. A batch is applied in rounds (the next
 * message of every lane; a lane is one saga or `serializeBy` key, applied in delivery order):
 * the round's handlers run at once with their reads sent together, and every decision is
 * committed in one `db.batch()` with its outbox rows and inbox row. A group that fails is
 * split; a message that fails on its own is re-decided on fresh reads, retried or
 * dead-lettered alone. Invalid messages go to `dead_letters`; a `-dlq` queue's messages are
 * stored as dead letters. Exactly once: the inbox row commits with the effects.
 */
export function createInboxConsumer<Env extends { DB: D1Database }>(
  options: InboxConsumerOptions<Env>,
) {
  const maxAttempts = options.maxAttempts ?? 6;
  const retryDelay = options.retryDelaySeconds ?? defaultRetryDelaySeconds;
  const maxStatements = options.maxStatementsPerCommit ?? 400;
  const laneOf = (event: Envelope) => options.serializeBy?.(event) ?? `saga:${event.correlationId}`;
  const owesReceipt = (e: HandledEvent) => receiptOwed(options.catalog, options.service, e);

  /**
   * The group's whole commit: every decision's writes, then the outbox rows of all their
   * events and the inbox rows of all their messages, several rows per statement.
   */
  function commitOf(db: AnyD1Database, group: Commit[]): Statement[] {
    const now = Date.now();
    return [
      ...group.flatMap((c) => c.decision.statements ?? []),
      ...outboxInserts(
        db,
        group.flatMap((c) => c.decision.events ?? []),
        now,
      ),
      ...effectInserts(
        db,
        group.flatMap((c) => c.decision.effects ?? []),
        now,
      ),
      ...inboxInserts(
        db,
        group.map(({ event, attempts }) => ({
          eventId: event.id,
          type: event.type,
          correlationId: event.correlationId,
          processedAt: now,
          attempts,
        })),
      ),
    ];
  }

  /** Commits `group` at once; a failing group is split in halves. Returns what failed alone. */
  async function commitGroup(db: AnyD1Database, group: Decided[]): Promise<Decided[]> {
    if (group.length === 0) return [];
    try {
      await runBatch(
        db,
        commitOf(
          db,
          group.map(({ event, message, decision }) => ({
            event,
            attempts: message.attempts,
            decision,
          })),
        ),
      );
      return [];
    } catch {
      if (group.length === 1) return group;
      const half = Math.ceil(group.length / 2);
      return [
        ...(await commitGroup(db, group.slice(0, half))),
        ...(await commitGroup(db, group.slice(half))),
      ];
    }
  }

  /**
   * One event on its own: its alternatives in order, re-decided on fresh reads when every
   * one hit a constraint (an optimistic-lock conflict with another event). `decided` is the
   * round's answer of the handler, used for the first try.
   */
  async function applyAlone(
    db: AnyD1Database,
    env: Env,
    { event, attempts }: { event: Envelope; attempts: number },
    decided?: { db: AnyD1Database; alternatives: Decision[] },
  ): Promise<Applied> {
    const handler = options.handlers[event.type];
    if (!handler) throw new Error(`${options.service} has no handler for ${event.type}`);
    return retryOnConflict({
      attempts: CONFLICT_ROUNDS,
      attempt: async (round) => {
        const first = round === 1 ? decided : undefined;
        if (!first && (await alreadyProcessed(db, event.id)))
          return { outcome: "duplicate", events: [] };
        const on = first?.db ?? db;
        const result = first?.alternatives ?? (await handler(event, { db, env }));
        const alternatives = Array.isArray(result) ? result : [result];
        if (alternatives.length === 0) throw new Error("handler returned no decision");
        let refusal: unknown;
        for (const decision of alternatives) {
          try {
            await runBatch(on, commitOf(on, [{ event, attempts, decision }]));
            return { outcome: "applied", ...emittedBy(decision) };
          } catch (error) {
            // Another delivery of this event won the race: the batch rolled back, nothing applied twice.
            if (isInboxDuplicate(error)) return { outcome: "duplicate", events: [] };
            if (!isConstraintError(error)) throw error;
            refusal = error;
          }
        }
        // Every alternative hit a constraint: a conflict, decided again on fresh reads.
        throw refusal;
      },
    });
  }

  async function replay(body: unknown, env: Env): Promise<ReplayResult> {
    const parsed = options.catalog.parse(decodeBody(body));
    if (!parsed.ok) return { outcome: "invalid", reason: parsed.reason };
    const { event } = parsed;
    if (!options.handlers[event.type])
      return { outcome: "invalid", reason: `${options.service} does not consume ${event.type}` };
    try {
      // A replay counts as a first delivery; its dead letter in the trace tells what came before.
      const result = await applyAlone(options.db(env), env, { event, attempts: 1 });
      if ((result.events.length > 0 || result.effects) && options.afterCommit)
        await options.afterCommit(env, result.events, { effects: result.effects ?? false });
      return { outcome: result.outcome, emitted: result.events.length };
    } catch (error) {
      return { outcome: "failed", reason: errorText(error) };
    }
  }
  registerReplayer(
    options.service,
    replay as (body: unknown, env: unknown) => Promise<ReplayResult>,
  );

  return async function queue(batch: MessageBatch, env: Env): Promise<Record<Outcome, number>> {
    const db = options.db(env);
    const log = loggerFor(env, { service: options.service });
    const counts: Record<Outcome, number> = {
      applied: 0,
      duplicate: 0,
      "dead-lettered": 0,
      retried: 0,
    };
    const receiptQueue = (producer: string) =>
      options.receiptQueue
        ? options.receiptQueue(env, producer)
        : inboxQueueByConvention(env, producer);
    if (batch.queue.endsWith("-dlq")) {
      // A receipt is bookkeeping, not work: applied here like in any batch, never stored.
      const receipts: Receipt[] = [];
      const messages: Message[] = [];
      for (const message of batch.messages) {
        const receipt = receiptOf(decodeBody(message.body));
        if (receipt) {
          receipts.push(receipt);
          message.ack();
        } else messages.push(message);
      }
      const stored = await consumeDeadLetterBatch(db, batch.queue, messages, log, (body) =>
        replay(body, env),
      );
      counts["dead-lettered"] = stored.length;
      // Dead-lettered is handled: the producer stops re-sending; an operator takes it from here.
      await Promise.all([
        atMost(
          SIDE_CALL_MS,
          recordBookkeeping(db, { duplicateIds: [], tally: NOTHING_TALLIED, receipts }, log),
        ),
        atMost(
          SIDE_CALL_MS,
          sendReceipts(
            options.service,
            stored.flatMap(handledBy).filter(owesReceipt),
            receiptQueue,
            log,
          ),
        ),
      ]);
      return counts;
    }
    const started = Date.now();
    const crashAfterCommit = await crashAfterCommitPoint(env, options.relay?.(env));
    // Events of this batch in the inbox: found by the first round's lookup, then each applied.
    const applied = new Set<string>();
    const duplicateIds: string[] = [];
    // Events this batch handled (for their producers' receipts), and receipts it got.
    const handled: HandledEvent[] = [];
    const receipts: Receipt[] = [];
    // The relay is poked after the first round that committed events, so the next hop does
    // not wait for the rest of the batch, and once more at the end if more came. A poke is
    // best effort (the cron catches up): awaited at the end, never holding a round.
    const pokes: Promise<void>[] = [];
    let unpoked: Envelope[] = [];
    let unpokedEffects = false;
    const poke = () => {
      pokes.push(
        atMost(SIDE_CALL_MS, options.afterCommit?.(env, unpoked, { effects: unpokedEffects })),
      );
      unpoked = [];
      unpokedEffects = false;
    };

    const settle = (
      message: Message,
      outcome: Outcome,
      event?: Partial<Envelope>,
      emitted: Envelope[] = [],
      error?: unknown,
      effects = false,
    ) => {
      counts[outcome]++;
      if (emitted.length > 0) unpoked.push(...emitted);
      if (effects) unpokedEffects = true;
      if (outcome !== "retried") handled.push(...handledBy(event ?? {}).filter(owesReceipt));
      if (outcome === "duplicate" && event?.id) duplicateIds.push(event.id);
      if (log.enabled("debug") || (outcome !== "applied" && outcome !== "duplicate"))
        log[outcome === "applied" || outcome === "duplicate" ? "debug" : "warn"](
          `event ${outcome}`,
          {
            eventId: event?.id,
            type: event?.type,
            correlationId: event?.correlationId,
            causationId: event?.causationId,
            attempts: message.attempts,
            ...(error === undefined ? {} : { error: errorText(error) }),
          },
        );
    };

    const deadLetter = async (message: Message, reason: string, event?: Partial<Envelope>) => {
      try {
        await storeDeadLetter(db, {
          queue: batch.queue,
          messageId: message.id,
          body: decodeBody(message.body),
          reason,
          attempts: message.attempts,
          eventId: event?.id,
          eventType: event?.type,
        });
        message.ack();
        settle(message, "dead-lettered", event);
      } catch (error) {
        // Even the dead-letter write failed (database unavailable): let the platform redeliver.
        failed(message, error, event);
      }
    };

    const failed = (message: Message, error: unknown, event?: Partial<Envelope>) => {
      message.retry({ delaySeconds: retryDelay(message.attempts) });
      settle(message, "retried", event, [], error);
    };

    const deliveries: Delivery[] = [];
    for (const message of batch.messages) {
      const body = decodeBody(message.body);
      const receipt = receiptOf(body);
      if (receipt) {
        receipts.push(receipt);
        message.ack();
        continue;
      }
      const parsed = options.catalog.parse(body);
      if (!parsed.ok)
        await deadLetter(message, parsed.reason, {
          id: parsed.eventId,
          type: parsed.eventType,
          source: (body as Partial<Envelope> | null)?.source,
        });
      else if (!options.handlers[parsed.event.type])
        await deadLetter(
          message,
          `${options.service} does not consume ${parsed.event.type}`,
          parsed.event,
        );
      else deliveries.push({ message, event: parsed.event });
    }

    /** A message applied (committed): the crash point, then the ack. */
    const acknowledge = async ({ message, event }: Delivery, result: Applied) => {
      if (result.outcome === "applied") {
        applied.add(event.id);
        if (crashAfterCommit) await crashAfterCommit();
      }
      message.ack();
      settle(message, result.outcome, event, result.events, undefined, result.effects);
    };

    /**
     * Applies one round. The first round also looks the batch's ids up in the inbox, in the
     * same read batch as its handlers' first reads (a copy found there is dropped unapplied).
     */
    const applyRound = async (round: Delivery[], lookUpBatch: boolean) => {
      const dropCopy = ({ message, event }: Delivery) => {
        message.ack();
        settle(message, "duplicate", event);
      };
      const unseen: Delivery[] = [];
      for (const delivery of round)
        if (applied.has(delivery.event.id)) dropCopy(delivery);
        else unseen.push(delivery);
      if (unseen.length === 0) return;
      const reads = coalescedReads(env.DB);
      const roundDb = options.db({ ...env, DB: reads.d1 });
      // The batch's inbox lookup rides with the handlers' first reads. When they read
      // nothing it is skipped: the inbox key in the commit still refuses a copy.
      const found = lookUpBatch ? reads.ride(inboxLookup(env.DB, batch.messages)) : undefined;
      const decisions = await reads.runAll<Decision | Decision[]>(
        unseen.map(
          ({ event }) =>
            async () =>
              options.handlers[event.type]?.(event, { db: roundDb, env }) ?? {},
        ),
      );
      for (const row of (await found)?.results ?? []) applied.add((row as { id: string }).id);
      const group: Decided[] = [];
      const alone: { delivery: Delivery; alternatives?: Decision[] }[] = [];
      for (const [i, delivery] of unseen.entries()) {
        const answer = decisions[i];
        if (applied.has(delivery.event.id)) dropCopy(delivery);
        // A handler that threw runs again on its own, to be retried or dead-lettered alone.
        else if (answer?.status !== "fulfilled") alone.push({ delivery });
        else {
          const alternatives = Array.isArray(answer.value) ? answer.value : [answer.value];
          const [decision] = alternatives;
          if (alternatives.length !== 1 || !decision) alone.push({ delivery, alternatives });
          else group.push({ ...delivery, decision });
        }
      }
      const failedInGroup: Decided[] = [];
      for (const part of runsWithin(group, group.length, maxStatements, statementsOf)) {
        const refused = await commitGroup(roundDb, part);
        const refusedIds = new Set(refused.map((d) => d.event.id));
        for (const decided of part)
          if (!refusedIds.has(decided.event.id))
            await acknowledge(decided, { outcome: "applied", ...emittedBy(decided.decision) });
        failedInGroup.push(...refused);
      }
      alone.push(...failedInGroup.map((delivery) => ({ delivery })));
      await inParallel(alone, options.concurrency ?? 8, async ({ delivery, alternatives }) => {
        const { message, event } = delivery;
        let result: Applied;
        try {
          result = await applyAlone(
            db,
            env,
            { event, attempts: message.attempts },
            alternatives && { db: roundDb, alternatives },
          );
        } catch (error) {
          if (message.attempts >= maxAttempts)
            return deadLetter(
              message,
              `handler failed ${message.attempts} times: ${errorText(error)}`,
              event,
            );
          return failed(message, error, event);
        }
        await acknowledge(delivery, result);
      });
    };

    for (const [n, round] of roundsByLane(deliveries, (d) => laneOf(d.event)).entries()) {
      await applyRound(round, n === 0);
      if ((unpoked.length > 0 || unpokedEffects) && pokes.length === 0) poke();
    }
    if (unpoked.length > 0 || unpokedEffects) poke();
    // Awaited, not left to waitUntil: a queue invocation is over when its handler returns.
    await Promise.all([
      ...pokes,
      atMost(SIDE_CALL_MS, recordBookkeeping(db, { duplicateIds, tally: counts, receipts }, log)),
      atMost(SIDE_CALL_MS, sendReceipts(options.service, handled, receiptQueue, log)),
    ]);
    log.info("batch done", {
      queue: batch.queue,
      messages: batch.messages.length,
      ...counts,
      receipts: receipts.length,
      durationMs: Date.now() - started,
    });
    return counts;
  };
}

/** The dead-letter path's counters: its messages are in `dead_letters`, counted from there. */
const NOTHING_TALLIED: Record<Outcome, number> = {
  applied: 0,
  duplicate: 0,
  "dead-lettered": 0,
  retried: 0,
};

/** The event as its producer's receipt names it, if the message said who produced it. */
function handledBy(event: Partial<Envelope> | Message): HandledEvent[] {
  const body = "body" in event ? (decodeBody(event.body) as Partial<Envelope> | null) : event;
  const id = body?.id;
  const source = body?.source;
  const type = typeof body?.type === "string" ? body.type : undefined;
  return typeof id === "string" && typeof source === "string" ? [{ id, source, type }] : [];
}

async function alreadyProcessed(db: AnyD1Database, eventId: string): Promise<boolean> {
  const row = await db
    .select({ id: inbox.eventId })
    .from(inbox)
    .where(eq(inbox.eventId, eventId))
    .get();
  return row !== undefined;
}

/** What a committed decision sets moving: its events, and whether it recorded effects. */
function emittedBy(decision: Decision): { events: Envelope[]; effects: boolean } {
  return { events: decision.events ?? [], effects: (decision.effects?.length ?? 0) > 0 };
}

/** At most: a decision's own writes, one outbox row per event and its inbox row, a statement each. */
function statementsOf({ decision }: Decided): number {
  return (
    (decision.statements?.length ?? 0) +
    (decision.events?.length ?? 0) +
    (decision.effects?.length ?? 0) +
    1
  );
}
