import { consumerMetrics } from "../db/kit-schema";
import { RETENTION_CHUNK_ROWS, RETENTION_RUN_MS, RETENTION_STATEMENTS } from "./retention-budget";
import { type RetentionKind, retentionStatements } from "./retention-queries";

export { RETENTION_CHUNK_ROWS, RETENTION_RUN_MS, RETENTION_STATEMENTS };

export interface RetentionOptions {
  /** Published outbox rows older than this are deleted (default 7 days). */
  outboxRetentionMs?: number;
  /**
   * Inbox rows older than this are deleted (default 7 days). Keep it longer than any
   * redelivery can take, or a very late duplicate would be applied again.
   */
  inboxRetentionMs?: number;
  /** Dead letters resolved longer ago than this are deleted (default 7 days). Open ones never. */
  deadLetterRetentionMs?: number;
  /**
   * The service makes effects (effects.ts): those answered longer ago than the inbox retention
   * are deleted with their calls. A pending one is never touched.
   */
  effects?: boolean;
  /** Rows deleted per statement (default `RETENTION_CHUNK_ROWS`). */
  chunkSize?: number;
  /** Stop starting chunks after this long (default `RETENTION_RUN_MS`). */
  runMs?: number;
  /** Stop before this many D1 statements (default `RETENTION_STATEMENTS`). */
  statements?: number;
  now?: number;
}

/** Rows each kind lost in one run; `undeliverable`: dead letters made of unacknowledged outbox rows. */
export type Pruned = Record<RetentionKind | "undeliverable", number>;

const DAY_MS = 86_400_000;

/**
 * Prunes past retention, oldest first, a chunk of each kind per pass (one D1 batch), until
 * nothing is left or the run's time or statement budget is spent (the next run goes on):
 * published outbox rows (one still awaiting a receipt becomes an `UNDELIVERABLE` dead letter
 * per subscriber awaited, in the same transaction, never a silent delete), inbox rows,
 * consumer metrics, resolved dead letters and, with `effects`, answered effects and their
 * calls. Pending outbox rows and open dead letters are never touched. Call it from the cron.
 * @example ctx.waitUntil(pruneRetention(env.DB));
 */
export async function pruneRetention(
  db: D1Database,
  options: RetentionOptions = {},
): Promise<Pruned & { more: boolean }> {
  const now = options.now ?? Date.now();
  const started = Date.now();
  const chunk = options.chunkSize ?? RETENTION_CHUNK_ROWS;
  const runMs = options.runMs ?? RETENTION_RUN_MS;
  let statementsLeft = options.statements ?? RETENTION_STATEMENTS;
  const inboxCutoff = now - (options.inboxRetentionMs ?? 7 * DAY_MS);
  const kinds = retentionStatements(db, {
    now,
    chunk,
    outboxCutoff: now - (options.outboxRetentionMs ?? 7 * DAY_MS),
    inboxCutoff,
    deadLetterCutoff: now - (options.deadLetterRetentionMs ?? 7 * DAY_MS),
    metrics: consumerMetrics.metric.enumValues,
    effects: options.effects ?? false,
  });
  const pruned: Pruned = {
    outbox: 0,
    inbox: 0,
    consumerMetrics: 0,
    deadLetters: 0,
    effects: 0,
    undeliverable: 0,
  };
  let active = kinds;
  for (;;) {
    const statements = active.flatMap((k) => k.statements);
    if (active.length === 0) return { ...pruned, more: false };
    if (statements.length > statementsLeft || Date.now() - started >= runMs)
      return { ...pruned, more: true };
    statementsLeft -= statements.length;
    const results = await db.batch(statements);
    let at = 0;
    const full: typeof active = [];
    for (const kind of active) {
      const changes = results.slice(at, at + kind.statements.length).map((r) => r.meta.changes);
      at += kind.statements.length;
      const deleted = changes[kind.deleting] ?? 0;
      pruned[kind.kind] += deleted;
      if (kind.kind === "outbox") pruned.undeliverable += changes[0] ?? 0;
      // A short chunk: nothing of this kind is left past retention.
      if (deleted >= chunk) full.push(kind);
    }
    active = full;
  }
}
