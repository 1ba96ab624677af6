import type { Replayer } from "../inbox/replayers";
import { inboxQueueByConvention } from "../receipts/receipts";
import { resolveDeadLetter, resolveStatement } from "./dead-letters";
import { UNDELIVERED_QUEUE } from "./resolutions";

/** What replaying one open dead letter did: resolved (its event has had its effect), or why not. */
export type DeadLetterReplay =
  | { resolved: true; outcome: "applied" | "duplicate" | "resent" }
  | { resolved: false; code: "INVALID_MESSAGE" | "REPLAY_FAILED"; message: string };

/**
 * Replays an UNDELIVERABLE dead letter (retention.ts): its event goes back into this shard's
 * outbox, published and awaiting only the subscriber its message id names
 * (`<event id>:<subscriber>`), due for a re-send now, in the same batch that resolves the letter. The relay sends it on its
 * next run (the cron's poke, within a minute) the way it sends every event: tagged with its shard,
 * and again until the subscriber's receipt comes. It is not this service's to apply.
 */
async function resend(
  d1: D1Database,
  row: { id: string; body: string; messageId: string },
  env: unknown,
  now = Date.now(),
): Promise<DeadLetterReplay> {
  const split = row.messageId.lastIndexOf(":");
  const eventId = row.messageId.slice(0, split);
  const subscriber = row.messageId.slice(split + 1);
  if (!inboxQueueByConvention(env, subscriber))
    return {
      resolved: false,
      code: "REPLAY_FAILED",
      message: `no queue binding for the subscriber ${subscriber}`,
    };
  const event = JSON.parse(row.body) as {
    type?: unknown;
    correlationId?: unknown;
    occurredAt?: unknown;
  };
  // Published when it first went out, about when it occurred (retention's days ago): by the
  // re-send rules (resend-policy.ts) a subscriber that never acknowledged it owes it at once.
  const publishedAt = Date.parse(String(event.occurredAt)) || 0;
  await d1.batch([
    // A row still there (the event is in the relay's hands again) is left as it is.
    d1
      .prepare(
        `INSERT INTO outbox (event_id, type, correlation_id, body, created_at, published_at, awaiting, next_resend_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?6, ?5) ON CONFLICT (event_id) DO NOTHING`,
      )
      .bind(
        eventId,
        typeof event.type === "string" ? event.type : "unknown",
        typeof event.correlationId === "string" ? event.correlationId : eventId,
        row.body,
        now,
        JSON.stringify([subscriber]),
        publishedAt,
      ),
    resolveStatement(d1, row.id, "replayed", now),
  ]);
  return { resolved: true, outcome: "resent" };
}

/**
 * Replays one open dead letter through the consumer's own path (validation, handler, inbox
 * dedupe, so an event applied meanwhile, or replayed twice, is not applied again) and marks it
 * `replayed` when the event has had its effect; invalid or failing, it stays open. The one
 * rule the single replay route and the bulk replay share.
 * @example await replayDeadLetter(env.DB, row, env, inboxReplayer())
 */
export async function replayDeadLetter<E>(
  d1: D1Database,
  row: { id: string; body: string; queue?: string; messageId?: string },
  env: E,
  replayer: Replayer<E>,
): Promise<DeadLetterReplay> {
  if (row.queue === UNDELIVERED_QUEUE && row.messageId)
    return resend(d1, { ...row, messageId: row.messageId }, env);
  const result = await replayer(row.body, env);
  if (result.outcome === "invalid")
    return { resolved: false, code: "INVALID_MESSAGE", message: `still invalid: ${result.reason}` };
  if (result.outcome === "failed")
    return { resolved: false, code: "REPLAY_FAILED", message: `handler failed: ${result.reason}` };
  // Applied or already applied: either way the event has had its effect exactly once.
  await resolveDeadLetter(d1, row.id, "replayed");
  return { resolved: true, outcome: result.outcome };
}

/**
 * Marks open dead letters `discarded` at once (one statement for a chunk of ids); the count
 * resolved now. One already resolved is left as it was, as `resolveDeadLetter` does for one.
 */
export async function discardDeadLetters(
  d1: D1Database,
  ids: readonly string[],
  now = Date.now(),
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await d1
    .prepare(
      `UPDATE dead_letters SET resolved_at = ?1, resolution = 'discarded'
       WHERE id IN (SELECT value FROM json_each(?2)) AND resolved_at IS NULL`,
    )
    .bind(now, JSON.stringify(ids))
    .run();
  return result.meta.changes ?? 0;
}
