import { uuidv7 } from "uuidv7";
import { z } from "zod";

/** Ids travel in URLs and SQL parameters; this keeps them boring. */
export const IdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, "must match ^[A-Za-z0-9._-]{1,64}$");

/** The whole envelope travels in the queue message body. */
export const EnvelopeSchema = z.object({
  /** Unique per event (UUIDv7: time-ordered, so ids sort by creation). */
  id: z.string().min(1).max(64),
  /** Past-tense event name from the catalog, e.g. `ThingHappened`. */
  type: z.string().min(1).max(100),
  /** Payload schema version of `type`. */
  version: z.number().int().positive(),
  /** Name of the producing service. */
  source: z.string().min(1).max(64),
  /** Kind of entity the event is about. */
  aggregateType: z.string().min(1).max(64),
  /** Id of that entity. */
  aggregateId: z.string().min(1).max(128),
  /** Per-aggregate counter set by the producer; lets consumers spot stale events. */
  sequence: z.number().int().nonnegative(),
  /** ISO-8601 time the producing command committed. */
  occurredAt: z.iso.datetime(),
  /** Groups every event of one business flow (a saga's id). */
  correlationId: z.string().min(1).max(128),
  /** Id of the event or request that caused this one. */
  causationId: z.string().min(1).max(128),
  /** Type-specific data, validated against the catalog's schema for `type`. */
  payload: z.unknown(),
  /**
   * W3C `traceparent` of the span that caused the event (CloudEvents distributed tracing
   * extension); a malformed one is dropped, never a reason to refuse the event.
   */
  traceparent: z.string().max(512).optional().catch(undefined),
  /** W3C `tracestate` travelling with `traceparent` (vendor data), unchanged. */
  tracestate: z.string().max(512).optional().catch(undefined),
});

export type Envelope<P = unknown> = Omit<z.infer<typeof EnvelopeSchema>, "payload"> & {
  payload: P;
};

/** Time-ordered unique id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

export interface EnvelopeInit<P> {
  type: string;
  version?: number;
  source: string;
  aggregateType: string;
  aggregateId: string;
  sequence?: number;
  correlationId: string;
  causationId: string;
  payload: P;
  occurredAt?: Date;
  /** An id a repeat must reuse (e.g. from `idFor`); a fresh one otherwise. */
  id?: string;
}

/**
 * Builds a complete envelope with a fresh id.
 * @example createEnvelope({ type: "ThingHappened", source: "things", aggregateType: "thing",
 *   aggregateId: "t1", correlationId: "t1", causationId: requestId, payload: { n: 1 } })
 */
export function createEnvelope<P>(init: EnvelopeInit<P>): Envelope<P> {
  return {
    id: init.id ?? newId(),
    type: init.type,
    version: init.version ?? 1,
    source: init.source,
    aggregateType: init.aggregateType,
    aggregateId: init.aggregateId,
    sequence: init.sequence ?? 0,
    occurredAt: (init.occurredAt ?? new Date()).toISOString(),
    correlationId: init.correlationId,
    causationId: init.causationId,
    payload: init.payload,
  };
}

/** Follow-up event inheriting correlation from its cause, caused by `cause.id`. */
export function causedBy(
  cause: Pick<Envelope, "id" | "correlationId">,
): Pick<EnvelopeInit<unknown>, "correlationId" | "causationId"> {
  return { correlationId: cause.correlationId, causationId: cause.id };
}
