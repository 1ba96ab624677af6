import { delayMs, RETRY_POLICIES, type RetryPolicy } from "../retry/retry-policies";
import { isConstraintError } from "./types";

export interface RetryOnConflictOptions<T> {
  /**
   * How long to wait between attempts and how many to make at most (`maxAttempts`, the first
   * one included). Default: `RETRY_POLICIES.conflict` (3, no wait).
   */
  policy?: RetryPolicy;
  /** How many times `attempt` runs at most, the first one included (at least 1); overrides the policy's. */
  attempts?: number;
  /**
   * Reads, decides and commits once. `attempt` counts from 1. Throwing a conflict runs it
   * again on fresh reads; returning or throwing anything else ends the loop.
   */
  attempt: (attempt: number) => Promise<T>;
  /**
   * Which errors mean "another writer committed first: read again and decide again".
   * Default: `isConstraintError` (a CHECK, UNIQUE or NOT NULL guard refused the commit).
   */
  isConflict?: (error: unknown) => boolean;
  /** The answer (or the error to throw) when the last attempt conflicted too. Default: rethrow it. */
  onExhausted?: (lastConflict: unknown) => T | Promise<T>;
}

/**
 * Optimistic concurrency in one place: read -> decide -> commit, and when the commit is
 * refused because someone else changed the rows meanwhile, do it all again, at most
 * `attempts` times (the `conflict` retry policy unless told).
 * @example
 * const order = await retryOnConflict({
 *   attempt: async () => commitCancel(await readOrder(db, id)),
 *   onExhausted: () => {
 *     throw new HttpError(409, "CONFLICT", `order ${id} kept changing; try again`);
 *   },
 * });
 */
export async function retryOnConflict<T>(options: RetryOnConflictOptions<T>): Promise<T> {
  const { policy = RETRY_POLICIES.conflict, attempt, isConflict = isConstraintError } = options;
  const attempts = options.attempts ?? policy.maxAttempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isConflict(error)) throw error;
      if (n >= attempts) {
        if (options.onExhausted) return options.onExhausted(error);
        throw error;
      }
      const wait = delayMs(policy, n);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
