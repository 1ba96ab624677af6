import { RETRY_POLICIES } from "../retry/retry-policies";

/**
 * When an effect ends without an answer to report (effects.ts step 4): refused for good, or
 * out of attempts. Either way it is FAILED and a dead letter for an operator, and its
 * subject's next effect runs: a refund held up forever behind a refused capture helps no one.
 */

/**
 * A definite refusal: the other side answered, and the same call with the same key gets the
 * same answer. Thrown by `perform`: the effect is made no more, and its dead letter holds
 * `answer` (what the other side said) for an operator.
 * @example throw new EffectRefused("refund refused: 400 charge_already_refunded", body.error)
 */
export class EffectRefused extends Error {
  override name = "EffectRefused";
  constructor(
    message: string,
    readonly answer: unknown = null,
  ) {
    super(message);
  }
}

/** Calls of one effect at most; the last without an answer ends it (`RETRY_POLICIES.effect`). */
export const EFFECT_MAX_ATTEMPTS = RETRY_POLICIES.effect.maxAttempts;

/** The dead letters of effects: `queue` of their rows, the effect's key as `messageId`. */
export const EFFECTS_DEAD_LETTER_QUEUE = "effects";

/** What a call without a reported answer leads to: another call, or the effect's end. */
export function missedCallResult(
  attempt: number,
  refused: boolean,
): "retry" | "refused" | "exhausted" {
  if (refused) return "refused";
  return attempt >= EFFECT_MAX_ATTEMPTS ? "exhausted" : "retry";
}
