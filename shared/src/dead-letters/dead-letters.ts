import { env } from "cloudflare:workers";
import { type DeadLetterResolution, deadLetters } from "../db/kit-schema";
import type { AnyD1Database } from "../db/types";
import { newId } from "../envelope";
import { eventIdOf, processedAmong } from "../inbox/processed-events";
import type { ReplayResult } from "../inbox/replayers";
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
  await deadLetterInsert(db, init, now);
}

/** `storeDeadLetter` as a statement, for a batch that commits it with what caused it. */
export function deadLetterInsert(db: AnyD1Database, init: DeadLetterInit, now = Date.now()) {
  const body = bodyText(init.body);
  const raw =
    typeof init.body === "object" && init.body !== null
      ? (init.body as Record<string, unknown>)
      : {};
  return db
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
 * What the dead-letter consumer does with a message its own consumer never judged: one more
 * try through that consumer's path (validation, handler, inbox), as `replay` does.
 */
export type LastTry = (body: unknown) => Promise<ReplayResult>;

/**
 * Consumer for a dead-letter queue. The platform moved these messages there after
 * `max_retries` failed invocations, without telling why; the kit's consumer dead-letters a
 * message it judged itself (invalid, handler failing on its last attempt) directly, so what
 * arrives here is what crashes kept from being judged. Each is stored for the record:
 * - its event already in the inbox (applied once, only later deliveries failed): resolved
 *   as `already-applied`;
 * - else, given `lastTry`, applied now: resolved as `applied-on-arrival`;
 * - else open, with the last try's reason, for an operator.
 * `log` defaults to the Worker's (its `LOG_LEVEL` var). Returns the messages stored.
 */
export async function consumeDeadLetterBatch(
  db: AnyD1Database,
  queue: string,
  messages: readonly Message[],
  log: Logger = loggerFor(env),
  lastTry?: LastTry,
): Promise<Message[]> {
  const applied = await processedAmong(db, messages);
  const stored: Message[] = [];
  const moved = `moved to ${queue} by the platform after retries were exhausted`;
  for (const message of messages) {
    const eventId = eventIdOf(message.body);
    try {
      let reason = moved;
      let resolution: DeadLetterResolution | undefined;
      if (eventId !== undefined && applied.has(eventId)) {
        reason = `${moved}; its event had already been applied`;
        resolution = "already-applied";
      } else if (lastTry) {
        const result = await lastTry(message.body);
        if ("reason" in result) reason = `${moved}; a last try failed: ${result.reason}`;
        else if (result.outcome === "duplicate") {
          reason = `${moved}; its event had already been applied`;
          resolution = "already-applied";
        } else {
          reason = `${moved}; a last try on arrival applied it`;
          resolution = "applied-on-arrival";
        }
      }
      await storeDeadLetter(db, {
        queue,
        messageId: message.id,
        body: message.body,
        attempts: message.attempts,
        reason,
        resolution,
      });
      message.ack();
      stored.push(message);
    } catch (error) {
      log.error("could not store dead letter", {
        queue,
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
  const result = await resolveStatement(db, id, resolution, now).run();
  return (result.meta.changes ?? 0) > 0;
}

/** The statement that resolves one open dead letter (a resolved one is left as it was). */
export function resolveStatement(
  db: D1Database,
  id: string,
  resolution: DeadLetterResolution,
  now = Date.now(),
): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE dead_letters SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL",
    )
    .bind(now, resolution, id);
}
