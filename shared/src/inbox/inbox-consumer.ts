import type { Envelope } from "../envelope";
import { loggerFor } from "../log/logger";
import { type HandledEvent, receiptUpdates } from "../receipts/receipts";
import { acksCarriedBy, markReplies } from "../receipts/reply-acks";
import { shardOfEnv } from "../shards/shard-env";
import { spansShards } from "../shards/sharded-queue";
import { linksOf, processedIn } from "../trace/trace-context";
import { atMost, recordBookkeeping, SIDE_CALL_MS } from "./batch-bookkeeping";
import { BatchOutcome } from "./batch-outcome";
import { coalescedReads } from "./coalesced-reads";
import { applyAlone } from "./conflict-retry";
import { type BetweenCommitAndAck, consumerFaultStage } from "./consumer-faults";
import { ConsumerReceipts, receiptQueueOf, sourceShardOf } from "./consumer-receipts";
import type {
  Applied,
  Decided,
  Decision,
  Delivery,
  EventHandler,
  InboxConsumerOptions,
  Outcome,
} from "./consumer-types";
import { emittedBy } from "./consumer-types";
import { deliveryDelaySeconds, verdictOnFailure } from "./dead-letter";
import { decodeMessage } from "./decode";
import { consumeDlqBatch } from "./dlq-batch";
import { groupCommit, sortRound } from "./group-commit";
import { inParallel, roundsByLane } from "./lanes";
import { orderedRelease } from "./ordered-release";
import { decodeBody, inboxLookup } from "./processed-events";
import { replayBody } from "./replay";
import { type ReplayResult, registerReplayer } from "./replayers";

export type {
  Decision,
  EventHandler,
  InboxConsumerOptions,
  Outcome,
} from "./consumer-types";
export { deliveryDelaySeconds as defaultRetryDelaySeconds } from "./dead-letter";
export { type OrderedHandler, type OrderedOptions, ordered } from "./ordered-handler";
export { inboxReplayer, type Replayer, type ReplayResult } from "./replayers";

/** Stages a consumer composes besides its own; a decorator adds one only when its switch is on. */
export interface ConsumerStages<Env> {
  /** Runs between each commit and its ack (fault injection: consumer-faults.ts). */
  betweenCommitAndAck?: BetweenCommitAndAck<Env>;
}

/**
 * Builds a `queue()` handler for a service's inbox: the consumer core with the fault stage,
 * which does nothing unless FAULTS_ENABLED (consumer-faults.ts).
 * @example const consume = createInboxConsumer({ service: "billing", catalog, db, handlers })
 */
export function createInboxConsumer<Env extends { DB: D1Database }>(
  options: InboxConsumerOptions<Env>,
) {
  return createConsumerCore(options, { betweenCommitAndAck: consumerFaultStage(options.relay) });
}

/**
 * The consumer as a pipeline of stages, each in its own file: decode/upcast (decode.ts), lanes
 * (lanes.ts: a batch is applied in rounds, the next message of every saga or `serializeBy`
 * key), the round's handlers at once with their reads coalesced (coalesced-reads.ts), group
 * commit (group-commit.ts) under the exactly-once rule (dedupe.ts), conflict retry for what a
 * group refused (conflict-retry.ts), retry or dead letter for a handler that fails
 * (dead-letter.ts), receipts (consumer-receipts.ts) and the batch's bookkeeping. A `-dlq`
 * queue's messages are stored as dead letters (dlq-batch.ts).
 */
export function createConsumerCore<Env extends { DB: D1Database }>(
  options: InboxConsumerOptions<Env>,
  stages: ConsumerStages<Env> = {},
) {
  const maxAttempts = options.maxAttempts ?? 6;
  const maxStatements = options.maxStatementsPerCommit ?? 400;
  const retryDelay = options.retryDelaySeconds ?? deliveryDelaySeconds;
  const laneOf = (event: Envelope) => options.serializeBy?.(event) ?? `saga:${event.correlationId}`;
  const consumes = (type: string) => options.handlers[type] !== undefined;
  const decode = (body: unknown) =>
    decodeMessage(body, { catalog: options.catalog, service: options.service, consumes });
  const handlerOf = (event: Envelope): EventHandler<Env> => {
    const handler = options.handlers[event.type];
    if (!handler) throw new Error(`${options.service} has no handler for ${event.type}`);
    return handler;
  };
  // Only when a handler is declared ordered (ordered-release.ts); checked against the catalog.
  const releaseHeld = orderedRelease(options);

  const replay = (body: unknown, env: Env): Promise<ReplayResult> =>
    replayBody(body, env, {
      ...options,
      consumes,
      applyAlone: (event) =>
        applyAlone({ db: options.db(env), env, handler: handlerOf(event), event, attempts: 1 }),
    });
  registerReplayer(
    options.service,
    replay as (body: unknown, env: unknown) => Promise<ReplayResult>,
  );

  /**
   * `sink`: hand the receipts this batch owes there instead of sending them (a sharded
   * consumer sends a receipt only once every shard an event went to has handled it).
   */
  return async function queue(
    batch: MessageBatch,
    env: Env,
    sink?: (owed: readonly HandledEvent[]) => void,
  ): Promise<Record<Outcome, number>> {
    const db = options.db(env);
    const log = loggerFor(env, { service: options.service });
    const receipts = new ConsumerReceipts(options.catalog, options.service);
    const queueOf = receiptQueueOf(env, options.receiptQueue);
    if (batch.queue.endsWith("-dlq"))
      return consumeDlqBatch({
        db,
        batch,
        log,
        receipts,
        queueOf,
        lastTry: (body) => replay(body, env),
      });

    const started = Date.now();
    const outcome = new BatchOutcome({
      db,
      queue: batch.queue,
      log,
      receipts,
      retryDelaySeconds: retryDelay,
      afterCommit: (events, effects) =>
        options.afterCommit ? options.afterCommit(env, events, { effects }) : Promise.resolve(),
    });
    const beforeAck = await stages.betweenCommitAndAck?.(env);
    // Events of this batch in the inbox: found by the first round's lookup, then each applied.
    const applied = new Set<string>();
    /** The batch's receipts are in the outbox already (they rode in a commit). */
    let receiptsRecorded = false;

    const whenFailed = (message: Message, error: unknown, event: Envelope) => {
      const verdict = verdictOnFailure(message.attempts, maxAttempts, error, retryDelay);
      if (verdict.action === "dead-letter")
        return outcome.deadLetter(message, verdict.reason, event);
      outcome.sendBack(message, error, event);
    };
    /** A message applied (committed): the stage between commit and ack, then the ack. */
    const acknowledge = async ({ message, event }: Delivery, result: Applied) => {
      if (result.outcome === "applied") {
        applied.add(event.id);
        if (beforeAck) await beforeAck();
      }
      message.ack();
      outcome.settle(message, result.outcome, event, {
        emitted: result.events,
        effects: result.effects,
      });
    };
    /** Its answers to the event's producer carry the event's receipt (reply-acks.ts). */
    const markAnswers = ({ event, message, decision }: Decided) => {
      if (!decision.events?.length || spansShards(message)) return;
      const fromShard = sourceShardOf(decodeBody(message.body));
      decision.events = markReplies(options.catalog, event, fromShard, decision.events);
    };
    const deliveries: Delivery[] = [];
    // Every producer span this batch's processing continues (OpenTelemetry messaging: links).
    const producers: (Partial<Envelope> | undefined)[] = [];
    for (const message of batch.messages) {
      const decoded = decode(message.body);
      if (decoded.kind !== "receipt") producers.push(decoded.event);
      if (decoded.kind === "receipt") {
        receipts.received.push(decoded.receipt);
        message.ack();
      } else if (decoded.kind === "dead-letter")
        await outcome.deadLetter(message, decoded.reason, decoded.event);
      else deliveries.push({ message, event: processedIn(decoded.event) });
    }
    // Replies marked as receipts for this shard's events (reply-acks.ts); copies too.
    const bodies = deliveries.map((d) => decodeBody(d.message.body));
    receipts.received.push(...acksCarriedBy(bodies, shardOfEnv(env)));

    /**
     * Applies one round. The first round also looks the batch's ids up in the inbox, in the
     * same read batch as its handlers' first reads (a copy found there is dropped unapplied).
     */
    const applyRound = async (round: Delivery[], lookUpBatch: boolean) => {
      const unseen: Delivery[] = [];
      for (const delivery of round)
        if (applied.has(delivery.event.id)) outcome.dropCopy(delivery);
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
      const fresh: Delivery[] = [];
      const settled: (typeof decisions)[number][] = [];
      for (const [i, delivery] of unseen.entries())
        if (applied.has(delivery.event.id)) outcome.dropCopy(delivery);
        else {
          fresh.push(delivery);
          settled.push(decisions[i] as (typeof decisions)[number]);
        }
      const { group, alone } = sortRound(fresh, settled);
      for (const decided of group) markAnswers(decided);
      // The receipts this batch brought ride in its first commit when there is one.
      const riders = receiptsRecorded ? [] : receiptUpdates(roundDb, receipts.received);
      const { refused, ridersCommitted } = await groupCommit(
        roundDb,
        group,
        maxStatements,
        (decided: Decided) =>
          acknowledge(decided, { outcome: "applied", ...emittedBy(decided.decision) }),
        riders,
      );
      receiptsRecorded ||= ridersCommitted;
      alone.push(...refused.map((delivery) => ({ delivery })));
      await inParallel(alone, options.concurrency ?? 8, async ({ delivery, alternatives }) => {
        const { message, event } = delivery;
        let result: Applied;
        try {
          result = await applyAlone({
            db,
            env,
            handler: handlerOf(event),
            event,
            attempts: message.attempts,
            decided: alternatives && { db: roundDb, alternatives },
          });
        } catch (error) {
          return whenFailed(message, error, event);
        }
        await acknowledge(delivery, result);
      });
    };

    for (const [n, round] of roundsByLane(deliveries, (d) => laneOf(d.event)).entries()) {
      await applyRound(round, n === 0);
      outcome.roundDone();
    }
    if (releaseHeld) await releaseHeld(deliveries, applied, env, log);
    // Awaited, not left to waitUntil: a queue invocation is over when its handler returns.
    await Promise.all([
      outcome.settled(),
      atMost(
        SIDE_CALL_MS,
        recordBookkeeping(
          db,
          {
            duplicateIds: outcome.duplicateIds,
            tally: outcome.counts,
            receipts: receiptsRecorded ? [] : receipts.received,
          },
          log,
        ),
      ),
      sink ? sink(receipts.owed) : atMost(SIDE_CALL_MS, receipts.send(queueOf, log)),
    ]);
    log.info("batch done", {
      queue: batch.queue,
      messages: batch.messages.length,
      ...outcome.counts,
      receipts: receipts.received.length,
      durationMs: Date.now() - started,
      links: linksOf(producers),
    });
    return outcome.counts;
  };
}
