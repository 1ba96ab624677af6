import { errorText } from "../db/types";
import { delayMs, RETRY_POLICIES } from "../retry/retry-policies";

/**
 * Dead letter, the rule for a message whose handler fails: it goes back to the queue with the
 * delivery backoff until its `maxAttempts`-th delivery, which stores it in `dead_letters` with
 * the error instead (an operator replays or discards it). Messages that can never apply
 * (malformed, unknown type) are dead-lettered at once by decode.ts.
 */
export type FailureVerdict =
  | { action: "retry"; delaySeconds: number }
  | { action: "dead-letter"; reason: string };

/** The delivery backoff in whole seconds (queues take seconds): 2, 4, 8 ... 300. */
export const deliveryDelaySeconds = (attempts: number) =>
  Math.ceil(delayMs(RETRY_POLICIES.delivery, attempts) / 1000);

/**
 * What to do with a message whose handler threw on delivery `attempts`.
 * @example verdictOnFailure(6, 6, new Error("boom")) // { action: "dead-letter", reason: "handler failed 6 times: boom" }
 */
export function verdictOnFailure(
  attempts: number,
  maxAttempts: number,
  error: unknown,
  retryDelaySeconds: (attempts: number) => number = deliveryDelaySeconds,
): FailureVerdict {
  if (attempts >= maxAttempts)
    return {
      action: "dead-letter",
      reason: `handler failed ${attempts} times: ${errorText(error)}`,
    };
  return { action: "retry", delaySeconds: retryDelaySeconds(attempts) };
}
