/**
 * How a dead letter was resolved: an operator replayed or discarded it, it arrived as a copy
 * of an event the inbox already held, or its last try on arrival applied it (see
 * `consumeDeadLetterBatch`). Zod-free and Workers-free: the public API's trace names them.
 */
export const DEAD_LETTER_RESOLUTIONS = [
  "replayed",
  "discarded",
  "already-applied",
  "applied-on-arrival",
] as const;
export type DeadLetterResolution = (typeof DEAD_LETTER_RESOLUTIONS)[number];

/** The queue of an UNDELIVERABLE dead letter: one of this service's events a subscriber never acknowledged. */
export const UNDELIVERED_QUEUE = "outbox";
