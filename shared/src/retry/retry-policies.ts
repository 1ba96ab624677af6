/**
 * Every retry and backoff of the kit, named once, as data (Restate's retry policies): the
 * wait before retry n is `initialIntervalMs * factor^(n-1)`, never more than `maxIntervalMs`.
 * Code that retries names its policy here instead of writing its own formula.
 */
export interface RetryPolicy {
  /** The wait before the first retry (attempt 1). */
  readonly initialIntervalMs: number;
  /** Each further wait is this many times the one before. */
  readonly factor: number;
  /** No wait is longer than this. */
  readonly maxIntervalMs: number;
  /** How many times the work runs at most, the first one included; none: until it succeeds. */
  readonly maxAttempts?: number;
}

export const RETRY_POLICIES = {
  /**
   * Optimistic concurrency (`retryOnConflict`): another writer committed first, so read and
   * decide again at once (waiting would only let more writers in), 3 rounds at most.
   */
  conflict: { initialIntervalMs: 0, factor: 1, maxIntervalMs: 0, maxAttempts: 3 },
  /** A consumer's failing message goes back to its queue: 2 s, 4 s, 8 s ... 5 minutes. */
  delivery: { initialIntervalMs: 2_000, factor: 2, maxIntervalMs: 300_000 },
  /**
   * An effect call without an answer is made again (same key): 1 s, 2 s, 4 s ... 1 minute, 12
   * calls in about 6 minutes; then it is a dead letter (docs/decisions.md, "Effects end").
   */
  effect: { initialIntervalMs: 1_000, factor: 2, maxIntervalMs: 60_000, maxAttempts: 12 },
  /** A relay run that got nowhere tries again: 1 s, 2 s, 4 s ... 1 minute. */
  relay: { initialIntervalMs: 1_000, factor: 2, maxIntervalMs: 60_000 },
  /**
   * An event re-sent for want of a receipt is due again after 2, 4, 8 ... receipt timeouts,
   * up to 10 minutes. The interval is for the default 30 s timeout; a relay with another
   * timeout scales it (`resendBackoff` in receipts/resend-policy.ts).
   */
  resend: { initialIntervalMs: 60_000, factor: 2, maxIntervalMs: 600_000 },
  /**
   * A self-read copy the service has not applied is sent again and checked after 2, 4, 8 ...
   * check intervals, up to 10 minutes (default check 30 s; held-copies.ts scales it).
   */
  heldCopy: { initialIntervalMs: 60_000, factor: 2, maxIntervalMs: 600_000 },
} as const satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

/**
 * The wait before retry `attempt` (from 1) under `policy`, in ms.
 * @example delayMs(RETRY_POLICIES.delivery, 3) // 8_000
 */
export function delayMs(policy: RetryPolicy, attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  const { initialIntervalMs: initial, factor, maxIntervalMs: max } = policy;
  if (initial <= 0) return 0;
  if (factor <= 1) return Math.min(initial, max);
  // Stop multiplying once over the cap: no Infinity, however many attempts.
  let wait = initial;
  for (let i = 1; i < n && wait < max; i++) wait *= factor;
  return Math.min(wait, max);
}

/**
 * The same policy with its first wait set to `initialIntervalMs` (e.g. a relay's own receipt
 * timeout), keeping its factor and cap.
 * @example withInitialInterval(RETRY_POLICIES.heldCopy, 2 * checkMs)
 */
export function withInitialInterval(policy: RetryPolicy, initialIntervalMs: number): RetryPolicy {
  return { ...policy, initialIntervalMs };
}
