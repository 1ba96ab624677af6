import type { OrderTrace } from "@edge-saga/contracts";

/** Reasons a dead letter's text starts with, and the public code each is shown as. */
const REASON_CODES: [RegExp, string][] = [
  [/^handler failed/i, "HANDLER_FAILED"],
  [/^(invalid|upcasting|unsupported version)/i, "INVALID_EVENT"],
  [/^unknown event type/i, "UNKNOWN_EVENT_TYPE"],
  [/does not consume/i, "NOT_CONSUMED"],
  [/refus|declin/i, "REFUSED"],
];

/**
 * The public code of a dead letter's reason: a leading UPPER_SNAKE code as it is (`UNDELIVERABLE`),
 * else the kind of failure; never the text, which may hold exception or processor messages.
 * @example deadLetterCode("handler failed 6 times: D1_ERROR: no such table") // "HANDLER_FAILED"
 */
export function deadLetterCode(reason: string): string {
  const code = /^[A-Z][A-Z0-9_]{2,}(?=$|[\s:;,])/.exec(reason)?.[0];
  if (code) return code;
  return REASON_CODES.find(([pattern]) => pattern.test(reason))?.[1] ?? "DEAD_LETTERED";
}

/**
 * The trace as its customer sees it: what happened and when, without internal text. Dead
 * letters' reasons become codes; the card processor's answers, errors and call details are
 * left out (null). The admin token sees everything.
 */
export function publicView(trace: OrderTrace): OrderTrace {
  return {
    ...trace,
    events: trace.events.map((event) => ({
      ...event,
      deliveries: event.deliveries.map((delivery) => ({
        ...delivery,
        deadLetter: delivery.deadLetter
          ? { ...delivery.deadLetter, reason: deadLetterCode(delivery.deadLetter.reason) }
          : null,
      })),
    })),
    effects: trace.effects.map((effect) => ({
      ...effect,
      outcome: null,
      lastError: null,
      calls: effect.calls.map((call) => ({ ...call, detail: null })),
    })),
  };
}
