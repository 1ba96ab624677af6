import { UNDELIVERED_QUEUE } from "../dead-letters/resolutions";
/**
 * Retention's SQL (retention.ts): one chunk of each kind, oldest first, each walking an index
 * (`ORDER BY` its indexed column, `LIMIT` the chunk), so a chunk costs the same however large
 * the backlog behind it.
 */

export type RetentionKind = "outbox" | "inbox" | "consumerMetrics" | "deadLetters" | "effects";

export interface KindChunk {
  kind: RetentionKind;
  /** Run in one batch (one transaction) with the other kinds' chunks. */
  statements: D1PreparedStatement[];
  /** Which statement's changes are this kind's deleted rows. */
  deleting: number;
}

export interface Cutoffs {
  now: number;
  chunk: number;
  outboxCutoff: number;
  inboxCutoff: number;
  deadLetterCutoff: number;
  /** consumer_metrics' metric names: its primary key (metric, minute) is the index walked. */
  metrics: readonly string[];
  effects: boolean;
}

/** What an `UNDELIVERABLE` dead letter's reason starts with (stats count them by it). */
export const UNDELIVERABLE = "UNDELIVERABLE";

// The oldest published rows past retention (outbox_published_idx: published_at, then seq).
const OLDEST_PUBLISHED = `SELECT seq FROM outbox WHERE published_at IS NOT NULL AND published_at < ?1
  ORDER BY published_at, seq LIMIT ?2`;
// Of those, the ones a subscriber never acknowledged: a dead letter per subscriber awaited, named
// in the reason and the message id (once: the same row met again is ignored by the unique index).
const UNDELIVERABLE_FROM_OUTBOX = `INSERT OR IGNORE INTO dead_letters
  (id, queue, message_id, event_id, event_type, reason, attempts, body, received_at)
  SELECT lower(hex(randomblob(16))), '${UNDELIVERED_QUEUE}', o.event_id || ':' || s.value, o.event_id, o.type,
    '${UNDELIVERABLE}: ' || s.value || ' sent no receipt for this event within retention (published '
      || strftime('%Y-%m-%dT%H:%M:%SZ', o.published_at / 1000, 'unixepoch') || ', sent '
      || (1 + o.resends) || ' times)',
    1 + o.resends, o.body, ?3
  FROM outbox o, json_each(o.awaiting) s
  WHERE o.seq IN (${OLDEST_PUBLISHED}) AND o.awaiting IS NOT NULL`;
const DELETE_OUTBOX = `DELETE FROM outbox WHERE seq IN (${OLDEST_PUBLISHED})`;
const DELETE_INBOX = `DELETE FROM inbox WHERE rowid IN (
  SELECT rowid FROM inbox WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2)`;
// Open dead letters (resolved_at NULL) are not in dead_letters_resolved_idx, and never deleted.
const DELETE_DEAD_LETTERS = `DELETE FROM dead_letters WHERE rowid IN (
  SELECT rowid FROM dead_letters WHERE resolved_at IS NOT NULL AND resolved_at < ?1
  ORDER BY resolved_at LIMIT ?2)`;
// Metric IN (...) lets the (metric, minute) primary key answer "minute < ?" (no index on minute).
const DELETE_METRICS = `DELETE FROM consumer_metrics WHERE rowid IN (
  SELECT rowid FROM consumer_metrics WHERE metric IN (SELECT value FROM json_each(?3))
  AND minute < ?1 LIMIT ?2)`;
// Answered effects (effects_done_idx), their calls first: those are found through their effect.
const OLDEST_DONE = `SELECT key FROM effects WHERE done_at IS NOT NULL AND done_at < ?1
  ORDER BY done_at, seq LIMIT ?2`;
const DELETE_EFFECT_CALLS = `DELETE FROM effect_attempts WHERE key IN (${OLDEST_DONE})`;
const DELETE_EFFECTS = `DELETE FROM effects WHERE key IN (${OLDEST_DONE})`;

/** One chunk of every kind retention prunes, bound to this run's cutoffs. */
export function retentionStatements(db: D1Database, c: Cutoffs): KindChunk[] {
  const one = (kind: RetentionKind, sql: string, cutoff: number, ...more: unknown[]) => ({
    kind,
    statements: [db.prepare(sql).bind(cutoff, c.chunk, ...more)],
    deleting: 0,
  });
  const kinds: KindChunk[] = [
    {
      kind: "outbox",
      statements: [
        db.prepare(UNDELIVERABLE_FROM_OUTBOX).bind(c.outboxCutoff, c.chunk, c.now),
        db.prepare(DELETE_OUTBOX).bind(c.outboxCutoff, c.chunk),
      ],
      deleting: 1,
    },
    one("inbox", DELETE_INBOX, c.inboxCutoff),
    one("consumerMetrics", DELETE_METRICS, c.inboxCutoff, JSON.stringify(c.metrics)),
    one("deadLetters", DELETE_DEAD_LETTERS, c.deadLetterCutoff),
  ];
  if (c.effects)
    kinds.push({
      kind: "effects",
      statements: [
        db.prepare(DELETE_EFFECT_CALLS).bind(c.inboxCutoff, c.chunk),
        db.prepare(DELETE_EFFECTS).bind(c.inboxCutoff, c.chunk),
      ],
      deleting: 1,
    });
  return kinds;
}
