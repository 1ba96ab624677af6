import { eq } from "drizzle-orm";
import type { Catalog } from "../catalog";
import { inbox } from "../db/kit-schema";
import {
  type AnyD1Database,
  errorText,
  isConstraintError,
  runBatch,
  type Statement,
} from "../db/types";
import { consumeDeadLetterBatch, storeDeadLetter } from "../dead-letters/dead-letters";
import type { Envelope } from "../envelope";
import { outboxInserts } from "../outbox/outbox-writer";

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
  /** Backoff between retries of a failing message. */
  retryDelaySeconds?: (attempts: number) => number;
}

export type Outcome = "applied" | "duplicate" | "dead-lettered" | "retried";

/** Times a handler is re-run when every alternative it returned hit a constraint. */
const CONFLICT_ROUNDS = 3;

/** Default backoff: 2, 4, 8 ... up to 300 s. */
export const defaultRetryDelaySeconds = (attempts: number) => Math.min(2 ** attempts, 300);

function isInboxDuplicate(error: unknown): boolean {
  return /UNIQUE constraint failed: inbox\.event_id/i.test(errorText(error));
}

function decodeBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
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

  async function apply(
    db: AnyD1Database,
    env: Env,
    event: Envelope,
  ): Promise<{ outcome: "applied" | "duplicate"; emitted: number }> {
    const handler = options.handlers[event.type];
    if (!handler) throw new Error(`${options.service} has no handler for ${event.type}`);
    // A constraint refusing every alternative may be an optimistic-lock conflict with a
    // concurrent delivery (another event for the same aggregate): read again and re-decide.
    for (let round = 1; ; round++) {
      const seen = await db
        .select({ id: inbox.eventId })
        .from(inbox)
        .where(eq(inbox.eventId, event.id))
        .get();
      if (seen) return { outcome: "duplicate", emitted: 0 };
      try {
        return await commitFirstAccepted(db, event, await handler(event, { db, env }));
      } catch (error) {
        if (isInboxDuplicate(error)) return { outcome: "duplicate", emitted: 0 };
        if (!isConstraintError(error) || round >= CONFLICT_ROUNDS) throw error;
      }
    }
  }

  async function commitFirstAccepted(
    db: AnyD1Database,
    event: Envelope,
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
    try {
      const result = await apply(db, env, event);
      message.ack();
      return result;
    } catch (error) {
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
    let emitted = 0;
    for (const message of batch.messages) {
      const started = Date.now();
      let result: { outcome: Outcome; emitted: number };
      try {
        result = await handleMessage(db, env, batch.queue, message);
      } catch (error) {
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
      emitted += result.emitted;
      const body = decodeBody(message.body) as Partial<Envelope> | undefined;
      console.log(
        JSON.stringify({
          level: result.outcome === "applied" || result.outcome === "duplicate" ? "info" : "warn",
          service: options.service,
          msg: `event ${result.outcome}`,
          eventId: body?.id,
          type: body?.type,
          correlationId: body?.correlationId,
          causationId: body?.causationId,
          attempts: message.attempts,
          durationMs: Date.now() - started,
        }),
      );
    }
    if (emitted > 0 && options.afterCommit) await options.afterCommit(env);
    return counts;
  };
}
