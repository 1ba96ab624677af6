import type { DueEvent, Progress } from "../receipts/resend-policy";
import { resendSql } from "../receipts/resend-policy";
import type { PendingRow } from "./chunk-for-send";
import { type RelayConfig, receiptTimeoutMs } from "./relay-config";

/** The relay's SQL, and what runs it: one D1 call per function. */

/** Rows read per page: sent at once (chunks of 100 to every subscriber), marked in one UPDATE. */
const PAGE_ROWS = 500;
/** A page stops after this many characters of bodies, so a page of large events stays small. */
const PAGE_CHARS = 2_000_000;
/** Events re-sent per run, at most (more go in the next run, at once). */
export const RESEND_ROWS = 100;
/** Rows per page of a replay. */
export const REPLAY_PAGE_ROWS = 100;

// The page's rows in commit order, cut after PAGE_CHARS of bodies (the first row always comes).
const SELECT_PAGE = `SELECT seq, event_id AS eventId, type, body FROM (
    SELECT seq, event_id, type, body, SUM(length(body)) OVER (ORDER BY seq) AS upto
      FROM (SELECT seq, event_id, type, body FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT ${PAGE_ROWS})
  ) WHERE upto - length(body) < ${PAGE_CHARS} ORDER BY seq`;
// Published: now awaiting a receipt from each subscriber of its type (?3: type -> subscribers).
const PUBLISHED = `published_at = ?1, next_resend_at = ${resendSql.firstLook("?1", "?2")},
  awaiting = json_extract(?3, '$."' || type || '"')`;
// Safe as a range: seqs only grow, and a page is the lowest pending rows.
const MARK_PUBLISHED = `UPDATE outbox SET ${PUBLISHED} WHERE seq BETWEEN ?4 AND ?5 AND published_at IS NULL`;
// json_each: one bound parameter however many ids (D1 binds at most 100).
const MARK_PUBLISHED_BY_ID = `UPDATE outbox SET ${PUBLISHED}
  WHERE event_id IN (SELECT value FROM json_each(?4)) AND published_at IS NULL`;
// Published events a subscriber has not acknowledged in time, oldest due first.
const SELECT_DUE = `SELECT seq, event_id AS eventId, type, body, awaiting, published_at AS publishedAt FROM outbox
  WHERE awaiting IS NOT NULL AND next_resend_at <= ? ORDER BY next_resend_at LIMIT ${RESEND_ROWS}`;
// When the next one not yet due is.
const SELECT_NEXT_DUE =
  "SELECT min(next_resend_at) AS at FROM outbox WHERE awaiting IS NOT NULL AND next_resend_at > ?";
// Re-sent: due again after the re-send backoff (resend-policy.ts).
const MARK_RESENT = `UPDATE outbox SET resends = resends + 1,
  next_resend_at = ${resendSql.afterResend("?1", "?2", "resends")}
  WHERE event_id IN (SELECT value FROM json_each(?3)) AND awaiting IS NOT NULL`;
// Due, but every subscriber it awaits is behind it: look again later (resend-policy.ts).
const MARK_HELD = `UPDATE outbox SET next_resend_at = ${resendSql.whenHeld("?1", "?2")}
  WHERE event_id IN (SELECT value FROM json_each(?3)) AND awaiting IS NOT NULL`;
// How far each subscriber has acknowledged (see receipts.ts).
const SELECT_PROGRESS =
  "SELECT subscriber, acked_published_at AS ackedPublishedAt, acked_at AS ackedAt FROM receipt_progress";
// A replay's next page: published rows committed since the replay's start time.
const SELECT_REPLAY_PAGE = `SELECT seq, event_id AS eventId, type, body FROM outbox
  WHERE seq > ? AND published_at IS NOT NULL AND created_at >= ? ORDER BY seq LIMIT ${REPLAY_PAGE_ROWS}`;
// Which of these events the service's inbox applied or dead-lettered (held copies).
const SELECT_HANDLED = `SELECT event_id AS id FROM inbox WHERE event_id IN (SELECT value FROM json_each(?1))
  UNION SELECT event_id FROM dead_letters WHERE event_id IN (SELECT value FROM json_each(?1))`;

export interface DueRow extends PendingRow, DueEvent {
  /** JSON array of the subscribers without a receipt. */
  awaiting: string;
  publishedAt: number;
}

export interface PageRead {
  page: PendingRow[];
  /** Events due for a re-send. */
  due: DueRow[];
  /** When the next event not yet due falls due, if any. */
  nextDueAt: number | null;
  /** The latest publish time each subscriber has acknowledged, and when it last acknowledged any. */
  progress: Map<string, Progress>;
}

/**
 * Marks `sent` published (after its sends resolved) and reads the next page, in one D1 call,
 * with the events due for a re-send and when the next one falls due. Rows read from the
 * outbox are marked by their seq range, handed-over ones by id.
 */
export async function readPageMarking(config: RelayConfig, sent: PendingRow[]): Promise<PageRead> {
  const { db } = config;
  const now = Date.now();
  const reads = [
    db.prepare(SELECT_PAGE),
    db.prepare(SELECT_DUE).bind(now),
    db.prepare(SELECT_NEXT_DUE).bind(now),
    db.prepare(SELECT_PROGRESS),
  ];
  const first = sent[0];
  const last = sent.at(-1);
  const marks =
    first && last
      ? [
          db
            .prepare(first.seq > 0 ? MARK_PUBLISHED : MARK_PUBLISHED_BY_ID)
            .bind(
              now,
              receiptTimeoutMs(config),
              awaitedByType(config, sent),
              ...(first.seq > 0
                ? [first.seq, last.seq]
                : [JSON.stringify(sent.map((r) => r.eventId))]),
            ),
        ]
      : [];
  const results = await db.batch<Record<string, unknown>>([...marks, ...reads]);
  const [page, due, next, progress] = results.slice(marks.length);
  return {
    page: (page?.results ?? []) as unknown as PendingRow[],
    due: (due?.results ?? []) as unknown as DueRow[],
    nextDueAt: (next?.results[0]?.at as number | null | undefined) ?? null,
    progress: new Map(
      (progress?.results ?? []).map((row) => [
        String(row.subscriber),
        { publishedAt: Number(row.ackedPublishedAt), at: Number(row.ackedAt) },
      ]),
    ),
  };
}

/** Marks these rows published (their every send resolved), awaiting each subscriber's receipt. */
export async function markPublishedById(config: RelayConfig, rows: PendingRow[]): Promise<void> {
  await config.db
    .prepare(MARK_PUBLISHED_BY_ID)
    .bind(
      Date.now(),
      receiptTimeoutMs(config),
      awaitedByType(config, rows),
      JSON.stringify(rows.map((r) => r.eventId)),
    )
    .run();
}

/** Pushes out the next look at re-sent and held events, in one D1 call. */
export async function markResentAndHeld(
  config: RelayConfig,
  now: number,
  resent: readonly string[],
  held: readonly string[],
): Promise<void> {
  const { db } = config;
  const timeout = receiptTimeoutMs(config);
  await db.batch([
    db.prepare(MARK_RESENT).bind(now, timeout, JSON.stringify(resent)),
    db.prepare(MARK_HELD).bind(now, timeout, JSON.stringify(held)),
  ]);
}

/** A replay's next page after `afterSeq`. */
export async function readReplayPage(
  db: D1Database,
  afterSeq: number,
  since: number,
): Promise<PendingRow[]> {
  const { results } = await db.prepare(SELECT_REPLAY_PAGE).bind(afterSeq, since).all<PendingRow>();
  return results;
}

/** The ids among `ids` that the service's inbox applied or dead-lettered. */
export async function readHandled(db: D1Database, ids: readonly string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare(SELECT_HANDLED)
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** `{ type: [subscribers] }` for the types among `rows` that have any: whom to await receipts from. */
function awaitedByType(config: RelayConfig, rows: PendingRow[]): string {
  const map: Record<string, readonly string[]> = {};
  for (const { type } of rows) {
    if (Object.hasOwn(map, type)) continue;
    const subscribers = config.catalog.subscribersOf(type);
    if (subscribers.length > 0) map[type] = subscribers;
  }
  return JSON.stringify(map);
}
