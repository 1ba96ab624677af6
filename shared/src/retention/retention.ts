export interface RetentionOptions {
  /** Published outbox rows older than this are deleted (default 7 days). */
  outboxRetentionMs?: number;
  /**
   * Inbox rows older than this are deleted (default 7 days). Keep it longer than any
   * redelivery can take, or a very late duplicate would be applied again.
   */
  inboxRetentionMs?: number;
  /**
   * The service makes effects (effects.ts): those answered longer ago than the inbox retention
   * are deleted with their calls. A pending one is never touched.
   */
  effects?: boolean;
  /** Rows deleted per statement, so a large backlog does not hold the database for long. */
  chunkSize?: number;
  now?: number;
}

const DAY_MS = 86_400_000;

/**
 * Deletes published outbox rows, processed inbox rows and consumer metrics past their retention.
 * Pending outbox rows are never touched. Call it from the cron handler.
 * @example ctx.waitUntil(pruneRetention(env.DB));
 */
export async function pruneRetention(
  db: D1Database,
  options: RetentionOptions = {},
): Promise<{ outbox: number; inbox: number }> {
  const now = options.now ?? Date.now();
  const chunk = options.chunkSize ?? 5000;
  const outboxCutoff = now - (options.outboxRetentionMs ?? 7 * DAY_MS);
  const inboxCutoff = now - (options.inboxRetentionMs ?? 7 * DAY_MS);
  const [outbox, inbox] = await db.batch([
    db
      .prepare(
        "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE published_at IS NOT NULL AND published_at < ? LIMIT ?)",
      )
      .bind(outboxCutoff, chunk),
    db
      .prepare(
        "DELETE FROM inbox WHERE event_id IN (SELECT event_id FROM inbox WHERE processed_at < ? LIMIT ?)",
      )
      .bind(inboxCutoff, chunk),
    db.prepare("DELETE FROM consumer_metrics WHERE minute < ?").bind(inboxCutoff),
    ...(options.effects
      ? [
          // Calls first: they are found through their effect.
          db
            .prepare(
              `DELETE FROM effect_attempts WHERE key IN (SELECT key FROM effects
                 WHERE done_at IS NOT NULL AND done_at < ? LIMIT ?)`,
            )
            .bind(inboxCutoff, chunk),
          db
            .prepare(
              `DELETE FROM effects WHERE seq IN (SELECT seq FROM effects
                 WHERE done_at IS NOT NULL AND done_at < ? LIMIT ?)`,
            )
            .bind(inboxCutoff, chunk),
        ]
      : []),
  ]);
  return { outbox: outbox?.meta.changes ?? 0, inbox: inbox?.meta.changes ?? 0 };
}
