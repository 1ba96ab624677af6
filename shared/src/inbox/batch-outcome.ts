import { type AnyD1Database, errorText } from "../db/types";
import { storeDeadLetter } from "../dead-letters/dead-letters";
import type { Envelope } from "../envelope";
import type { Logger } from "../log/logger";
import { atMost, SIDE_CALL_MS } from "./batch-bookkeeping";
import type { ConsumerReceipts } from "./consumer-receipts";
import type { Delivery, Outcome } from "./consumer-types";
import { decodeBody } from "./processed-events";

/** Counts of nothing: the dead-letter path's are in `dead_letters`, counted from there. */
export const noOutcomes = (): Record<Outcome, number> => ({
  applied: 0,
  duplicate: 0,
  "dead-lettered": 0,
  retried: 0,
});

/**
 * What a batch came to, message by message: the counts, the copies dropped, the receipts owed,
 * the log line of each, and the relay pokes for what it committed. The relay is poked after
 * the first round that committed events, so the next hop does not wait for the rest of the
 * batch, and once more at the end if more came. A poke is best effort (the cron catches up):
 * awaited at the end, never holding a round.
 */
export class BatchOutcome {
  readonly counts = noOutcomes();
  readonly duplicateIds: string[] = [];
  private readonly pokes: Promise<void>[] = [];
  private unpoked: Envelope[] = [];
  private unpokedEffects = false;

  constructor(
    private readonly at: {
      db: AnyD1Database;
      queue: string;
      log: Logger;
      receipts: ConsumerReceipts;
      /** Seconds before a message sent back is delivered again. */
      retryDelaySeconds: (attempts: number) => number;
      afterCommit?: (events: Envelope[], effects: boolean) => Promise<void>;
    },
  ) {}

  /** A copy of an event the inbox already holds: acked unapplied. */
  dropCopy({ message, event }: Delivery): void {
    message.ack();
    this.settle(message, "duplicate", event);
  }

  /** Back to the queue, delivered again after the delivery backoff. */
  sendBack(message: Message, error: unknown, event?: Partial<Envelope>): void {
    message.retry({ delaySeconds: this.at.retryDelaySeconds(message.attempts) });
    this.settle(message, "retried", event, { error });
  }

  /** Stored in `dead_letters` and acked; sent back if even that write fails. */
  async deadLetter(message: Message, reason: string, event?: Partial<Envelope>): Promise<void> {
    try {
      await storeDeadLetter(this.at.db, {
        queue: this.at.queue,
        messageId: message.id,
        body: decodeBody(message.body),
        reason,
        attempts: message.attempts,
        eventId: event?.id,
        eventType: event?.type,
      });
      message.ack();
      this.settle(message, "dead-lettered", event);
    } catch (error) {
      // Even the dead-letter write failed (database unavailable): let the platform redeliver.
      this.sendBack(message, error, event);
    }
  }

  /** One message settled (acked or sent back): counted, logged, owed a receipt unless retried. */
  settle(
    message: Message,
    outcome: Outcome,
    event?: Partial<Envelope>,
    {
      emitted = [],
      error,
      effects = false,
    }: { emitted?: Envelope[]; error?: unknown; effects?: boolean } = {},
  ): void {
    this.counts[outcome]++;
    if (emitted.length > 0) this.unpoked.push(...emitted);
    if (effects) this.unpokedEffects = true;
    if (outcome !== "retried") this.at.receipts.handled(event ?? message, message, emitted);
    if (outcome === "duplicate" && event?.id) this.duplicateIds.push(event.id);
    const routine = outcome === "applied" || outcome === "duplicate";
    if (routine && !this.at.log.enabled("debug")) return;
    this.at.log[routine ? "debug" : "warn"](`event ${outcome}`, {
      eventId: event?.id,
      type: event?.type,
      correlationId: event?.correlationId,
      causationId: event?.causationId,
      // The processing span (processedIn): the logger writes its traceId and spanId.
      traceparent: event?.traceparent,
      attempts: message.attempts,
      ...(error === undefined ? {} : { error: errorText(error) }),
    });
  }

  /** After a round: pokes the relay if this is the first round that committed something. */
  roundDone(): void {
    if (this.pokes.length === 0) this.pokeIfAny();
  }

  /** At the end of the batch: the last poke, and every poke awaited (at most SIDE_CALL_MS). */
  async settled(): Promise<void> {
    this.pokeIfAny();
    await Promise.all(this.pokes);
  }

  private pokeIfAny(): void {
    if (this.unpoked.length === 0 && !this.unpokedEffects) return;
    this.pokes.push(atMost(SIDE_CALL_MS, this.at.afterCommit?.(this.unpoked, this.unpokedEffects)));
    this.unpoked = [];
    this.unpokedEffects = false;
  }
}
