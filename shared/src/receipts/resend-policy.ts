import {
  delayMs,
  RETRY_POLICIES,
  type RetryPolicy,
  withInitialInterval,
} from "../retry/retry-policies";
import { parseAwaiting } from "./awaiting";

/**
 * The re-send rule: when an event goes again to a subscriber (same id; the inbox drops a copy).
 *
 * 1. Published, an event awaits a receipt from each subscriber of its type (receipts.ts) and
 *    is due for a look one receipt timeout later (`firstLookAt`).
 * 2. When due, it goes again to each subscriber still owing a receipt that (`owesResend`):
 *    a. acknowledged an event published at least a timeout after it: it moved past it, so
 *       this one was lost, not slow (publish times, not seqs: a lost poke publishes low seqs
 *       late, and queues reorder); or
 *    b. acknowledged anything published after it, once it waited `STALL_TIMEOUTS` timeouts
 *       (what a run publishes last has nothing published a timeout after it); or
 *    c. acknowledged nothing for a timeout, once it waited `STALL_TIMEOUTS` timeouts: it may
 *       have lost everything.
 *    A re-sent event is due again after 2, 4, 8 ... timeouts, at most 10 minutes
 *    (`RETRY_POLICIES.resend`, `nextLookAfterResend`).
 * 3. A due event no subscriber owes (each is still working through a backlog that holds it)
 *    is held and looked at again a timeout later (`nextLookWhenHeld`): re-sending a backlog
 *    only makes it longer (it did: a re-send storm under load).
 * 4. Self-read copies (relay/held-copies.ts) were sent to the service's own inbox and stored
 *    nowhere else: one its inbox has not applied is sent again after the check interval,
 *    then 2, 4, 8 ... intervals later, at most 10 minutes (`heldCopyDueAt`).
 */

/** A subscriber that has not acknowledged a sent event gets it again after this long. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000;
/** A held self-read copy is first checked this long after it was sent. */
export const DEFAULT_HELD_CHECK_MS = 30_000;
/** Timeouts an event waits before a subscriber that merely stalled (2b, 2c) gets it again. */
export const STALL_TIMEOUTS = 2;

/** How far a subscriber has acknowledged (the `receipt_progress` row). */
export interface Progress {
  /** The latest publish time among the events it acknowledged. */
  publishedAt: number;
  /** When it last acknowledged anything. */
  at: number;
}

/** A published event due for a look. */
export interface DueEvent {
  eventId: string;
  publishedAt: number;
  /** JSON array of the subscribers without a receipt (the outbox's `awaiting`). */
  awaiting: string | null;
}

/** When a just-published event is first looked at for a missing receipt. */
export function firstLookAt(publishedAt: number, timeoutMs: number): number {
  return publishedAt + timeoutMs;
}

/**
 * Whether `subscriber`, which owes a receipt for `event`, gets it again now (rule 2).
 * @example owesResend({ publishedAt: 0 }, { publishedAt: 30_000, at: 31_000 }, 31_000, 30_000) // true
 */
export function owesResend(
  event: Pick<DueEvent, "publishedAt">,
  progress: Progress | undefined,
  now: number,
  timeoutMs: number,
): boolean {
  const { publishedAt: acked = 0, at = 0 } = progress ?? {};
  const waitedLong = now - event.publishedAt >= STALL_TIMEOUTS * timeoutMs;
  return (
    acked >= event.publishedAt + timeoutMs ||
    (waitedLong && acked > event.publishedAt) ||
    (waitedLong && now - at >= timeoutMs)
  );
}

export interface ResendDecision {
  /** Event id -> the subscribers it goes to again. */
  targets: Map<string, string[]>;
  /** Due events nobody owes yet: looked at again a timeout later. */
  held: string[];
}

/** Rules 2 and 3 for a page of due events, given each subscriber's progress. */
export function decideResends(
  due: readonly DueEvent[],
  progress: ReadonlyMap<string, Progress>,
  now: number,
  timeoutMs: number,
): ResendDecision {
  const targets = new Map<string, string[]>();
  const held: string[] = [];
  for (const event of due) {
    const owing = parseAwaiting(event.awaiting).filter((subscriber) =>
      owesResend(event, progress.get(subscriber), now, timeoutMs),
    );
    if (owing.length > 0) targets.set(event.eventId, owing);
    else held.push(event.eventId);
  }
  return { targets, held };
}

/** The re-send backoff for a relay whose receipt timeout is `timeoutMs`: 2, 4, 8 ... timeouts. */
export function resendBackoff(timeoutMs: number): RetryPolicy {
  const { resend } = RETRY_POLICIES;
  return withInitialInterval(
    resend,
    (resend.initialIntervalMs / DEFAULT_RECEIPT_TIMEOUT_MS) * timeoutMs,
  );
}

/** When an event re-sent now, after `resends` earlier re-sends, is looked at again. */
export function nextLookAfterResend(now: number, resends: number, timeoutMs: number): number {
  return now + delayMs(resendBackoff(timeoutMs), resends + 1);
}

/** When a held event is looked at again. */
export function nextLookWhenHeld(now: number, timeoutMs: number): number {
  return now + timeoutMs;
}

/** The soonest any event of a re-send run is due again: a held one after a timeout. */
export function nextLookAfterRun(now: number, decision: ResendDecision, timeoutMs: number) {
  return decision.held.length > 0
    ? nextLookWhenHeld(now, timeoutMs)
    : nextLookAfterResend(now, 0, timeoutMs);
}

/**
 * The rule's times in SQL, so a page of rows is marked in one UPDATE; each takes the SQL of
 * its inputs (parameters or columns) and equals its function above (a test runs both).
 */
export const resendSql = {
  /** `firstLookAt`. */
  firstLook: (publishedAt: string, timeout: string) => `${publishedAt} + ${timeout}`,
  /** `nextLookAfterResend`; `resends` counts the earlier re-sends. */
  afterResend: (now: string, timeout: string, resends: string) =>
    `${now} + ${resendDelaySql(timeout, resends)}`,
  /** `nextLookWhenHeld`. */
  whenHeld: (now: string, timeout: string) => `${now} + ${timeout}`,
};

/** `RETRY_POLICIES.resend` scaled to the timeout; a doubling, so a shift (stopped at 30, far past the cap). */
function resendDelaySql(timeout: string, resends: string): string {
  const { initialIntervalMs, factor, maxIntervalMs } = RETRY_POLICIES.resend;
  if (factor !== 2) throw new Error("resendSql.afterResend expects a doubling policy");
  const timeouts = initialIntervalMs / DEFAULT_RECEIPT_TIMEOUT_MS;
  return `min(${timeout} * ${timeouts} * (1 << min(${resends}, 30)), ${maxIntervalMs})`;
}

/** When a self-read copy sent again now, after `resends` earlier sends again, is checked next. */
export function heldCopyDueAt(now: number, resends: number, checkMs: number): number {
  const { heldCopy } = RETRY_POLICIES;
  const policy = withInitialInterval(
    heldCopy,
    (heldCopy.initialIntervalMs / DEFAULT_HELD_CHECK_MS) * checkMs,
  );
  return now + delayMs(policy, resends + 1);
}
