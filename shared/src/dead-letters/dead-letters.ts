import { env } from "cloudflare:workers";
import { type DeadLetterResolution, deadLetters } from "../db/kit-schema";
import type { AnyD1Database } from "../db/types";
import { newId } from "../envelope";
import { eventIdOf, processedAmong } from "../inbox/processed-events";
import { type Logger, loggerFor } from "../log/logger";

export interface DeadLetterInit {
  queue: string;
  messageId: string;
  body: unknown;
  reason: string;
  attempts: number;
  eventId?: string;
  eventType?: string;
  /** Stored as already resolved (e.g. its event was applied before the platform gave up on it). */
  resolution?: DeadLetterResolution;
}

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  try {
    return JSON.stringify(body) ?? String(body);
  } catch {
    return String(body);
  }
}

/** Stores a message that cannot be applied. A redelivered message is stored once. */
export async function storeDeadLetter(
  db: AnyD1Database,
  init: DeadLetterInit,
  now = Date.now(),
): Promise<void> {
  const body = bodyText(init.body);
  const raw =
    typeof init.body === "object" && init.body !== null
      ? (init.body as Record<string, unknown>)
      : {};
  await db
    .insert(deadLetters)
    .values({
      id: newId(),
      queue: init.queue,
      messageId: init.messageId,
      eventId: init.eventId ?? (typeof raw.id === "string" ? raw.id.slice(0, 128) : null),
      eventType: init.eventType ?? (typeof raw.type === "string" ? raw.type.slice(0, 128) : null),
      reason: init.reason.slice(0, 2000),
      attempts: init.attempts,
      body,
      receivedAt: now,
      resolvedAt: init.resolution ? now : null,
      resolution: init.resolution ?? null,
    })
    .onConflictDoNothing();
}

/**
 * Consumer for a dead-letter queue: the platform moved these messages there after
 * `max_retries` without telling why, so the reason says just that. A message whose event
 * the inbox already holds was applied once and only its later deliveries failed (say, the
 * invocation kept crashing after the commit): it is stored for the record, already resolved
 * as `already-applied`, so that operators are left only the dead letters that need them.
 * `log` defaults to the Worker's (its `LOG_LEVEL` var). Returns the messages stored.
 */
export async function consumeDeadLetterBatch(
  db: AnyD1Database,
  batch: MessageBatch,
  log: Logger = loggerFor(env),
): Promise<Message[]> {
  const applied = await processedAmong(db, batch.messages);
  const stored: Message[] = [];
  for (const message of batch.messages) {
    const eventId = eventIdOf(message.body);
    const alreadyApplied = eventId !== undefined && applied.has(eventId);
    try {
      await storeDeadLetter(db, {
        queue: batch.queue,
        messageId: message.id,
        body: message.body,
        attempts: message.attempts,
        reason: alreadyApplied
          ? `moved to ${batch.queue} by the platform after retries were exhausted; its event had already been applied`
          : `moved to ${batch.queue} by the platform after retries were exhausted`,
        resolution: alreadyApplied ? "already-applied" : undefined,
      });
      message.ack();
      stored.push(message);
    } catch (error) {
      log.error("could not store dead letter", {
        queue: batch.queue,
        messageId: message.id,
        error: String(error),
      });
      message.retry();
    }
  }
  return stored;
}

/** Marks an open dead letter resolved; false when it is unknown or already resolved. */
export async function resolveDeadLetter(
  db: D1Database,
  id: string,
  resolution: DeadLetterResolution,
  now = Date.now(),
): Promise<boolean> {
  const result = await db
    .prepare(
      "UPDATE dead_letters SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL",
    )
    .bind(now, resolution, id)
    .run();
  return (result.meta.changes ?? 0) > 0;
}
