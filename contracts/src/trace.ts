import { DEAD_LETTER_RESOLUTIONS, IdSchema } from "@edge-saga/shared/events";
import { z } from "zod";
import { OrderStatus, PaymentStatus } from "./api";

/** The services whose events make up an order's saga, in the trace's lane order. */
export const SAGA_SERVICES = ["order", "inventory", "rewards", "payment"] as const;
export type SagaService = (typeof SAGA_SERVICES)[number];

/** What a service's kit records of one call made for an effect (shared/src/effects). */
const EffectCallRow = z.object({
  key: z.string(),
  attempt: z.number().int(),
  startedAt: z.number(),
  ms: z.number(),
  /** As shared/src/effects/effects-schema.ts's EFFECT_CALL_RESULTS. */
  result: z.enum(["done", "retry", "refused", "exhausted"]),
  detail: z.string().nullable(),
});

/** One effect outside the database (a card processor call) as the kit records it. */
const EffectRow = z.object({
  /** The idempotency key every attempt is made with. */
  key: z.string(),
  kind: z.string(),
  status: z.enum(["PENDING", "DONE", "FAILED"]),
  /** The answer, JSON text; null while PENDING. */
  outcome: z.string().nullable(),
  attempts: z.number().int(),
  decidedAt: z.number(),
  doneAt: z.number().nullable(),
  lastError: z.string().nullable(),
  calls: z.array(EffectCallRow).default([]),
});

/**
 * What one service's kit route `GET /admin/trace/{correlationId}` answers
 * (shared/src/admin/kit-admin-routes.ts), times in epoch ms. Checked when it arrives, so a
 * service answering something else is a clear 502, not a broken trace.
 */
export const ServiceTrace = z.object({
  published: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      causationId: z.string().nullable(),
      committedAt: z.number(),
      publishedAt: z.number().nullable(),
      /** JSON array of the subscribers whose receipt the producer still waits for; null: none. */
      awaitingReceiptFrom: z.string().nullable().default(null),
      resends: z.number().int().default(0),
      /** The W3C trace context the event carries (shared/src/trace); null: none. */
      traceparent: z.string().nullable().default(null),
    }),
  ),
  handled: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      appliedAt: z.number(),
      attempts: z.number().int(),
      duplicatesDropped: z.number().int(),
      lastDuplicateAt: z.number().nullable(),
    }),
  ),
  deadLetters: z.array(
    z.object({
      eventId: z.string().nullable(),
      type: z.string().nullable(),
      reason: z.string(),
      attempts: z.number().int(),
      receivedAt: z.number(),
      resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
    }),
  ),
  /** Only a service that makes effects (payment) lists them; the others leave the field out. */
  effects: z.array(EffectRow).default([]),
});
/** As a service sends it (services older than delivery receipts leave their fields out). */
export type ServiceTrace = z.input<typeof ServiceTrace>;

const isoTime = z.iso.datetime();
const Service = z.enum(SAGA_SERVICES);

/** How one subscriber took one event. */
export const TraceDelivery = z.object({
  service: Service.meta({ description: "The subscriber (every one the catalog names)." }),
  appliedAt: isoTime.nullable().meta({ description: "null: not applied (yet)." }),
  attempts: z
    .number()
    .int()
    .meta({ description: "The delivery that applied it (1: the first); 0 when not applied." }),
  duplicatesDropped: z
    .number()
    .int()
    .meta({ description: "Later deliveries of the event that the subscriber's inbox dropped." }),
  lastDuplicateAt: isoTime.nullable(),
  receipted: z.boolean().meta({
    description:
      "The producer has this subscriber's delivery receipt; until then it re-sends the event (same id).",
  }),
  deadLetter: z
    .object({
      reason: z.string(),
      at: isoTime,
      resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
    })
    .nullable()
    .meta({
      description:
        "The newest dead letter of the event at this subscriber, if any. `reason` is a code " +
        "(`HANDLER_FAILED`, `INVALID_EVENT`, ...) unless asked with the admin token.",
    }),
});

/** One event of the saga, with what each subscriber did with it. */
export const TraceEvent = z.object({
  eventId: z.string(),
  type: z.string(),
  producer: Service,
  causationId: z
    .string()
    .nullable()
    .meta({ description: "The event (or request) that caused this one." }),
  correlationId: IdSchema.meta({ description: "The order id, for every event of its saga." }),
  traceId: z.string().nullable().meta({
    description:
      "The W3C trace id the event carries (its `traceparent`): one for every event of a saga.",
  }),
  committedAt: isoTime.meta({ description: "Written to the producer's outbox." }),
  publishedAt: isoTime.nullable().meta({ description: "Sent to the subscribers; null: pending." }),
  resends: z.number().int().meta({
    description: "Times the producer sent it again to a subscriber that owed a delivery receipt.",
  }),
  deliveries: z.array(TraceDelivery),
});

/** The saga's deadline step, for an order the order service rejected TIMED_OUT. */
export const TraceTimeout = z.object({
  at: isoTime.meta({ description: "When the order service gave up on the order." }),
  afterSeconds: z.number().meta({ description: "Seconds from placing the order to that." }),
  waitingFor: z.array(Service).meta({
    description:
      "Participants whose answer had not reached the order service by then (a later answer " +
      "changes nothing: OrderRejected makes the participant release what it holds).",
  }),
});

/** One call made for an effect: when, how long, and what came of it. */
export const TraceCall = z.object({
  attempt: z
    .number()
    .int()
    .meta({ description: "1: the first call; every call has the same key." }),
  at: isoTime.meta({ description: "When the call started." }),
  ms: z.number().meta({ description: "How long it took (until its answer, or its timeout)." }),
  result: z.enum(["done", "retry", "refused", "exhausted"]).meta({
    description:
      "done: an answer was recorded; retry: no answer (timeout, 5xx, network), so the call is " +
      "made again later with the same idempotency key; refused: a definite refusal, and " +
      "exhausted: no answer on the last attempt, both ending the effect as FAILED.",
  }),
  detail: z.string().nullable().meta({
    description:
      "The answer (JSON) or the error, at most 500 characters; null without the admin token.",
  }),
});

/**
 * One effect outside the services' databases (a call to the card processor): decided by a
 * handler, made by the service's relay with its idempotency key until an answer comes.
 */
export const TraceEffect = z.object({
  service: Service.meta({ description: "The service that makes it (payment)." }),
  kind: z.string().meta({
    description: "What is asked of the other side: authorize, capture, void or refund.",
  }),
  key: z.string().meta({ description: "The idempotency key every call is made with." }),
  status: z.enum(["PENDING", "DONE", "FAILED"]).meta({
    description: "PENDING: no answer yet; FAILED: refused or out of attempts, a dead letter.",
  }),
  outcome: z.unknown().meta({
    description: "The answer recorded (JSON); null while PENDING, and without the admin token.",
  }),
  attempts: z.number().int().meta({ description: "Calls made so far." }),
  decidedAt: isoTime.meta({ description: "Recorded, with the decision that asks for it." }),
  doneAt: isoTime.nullable().meta({ description: "Its answer recorded; null while PENDING." }),
  lastError: z.string().nullable().meta({
    description: "Why the last call got no answer; null without the admin token.",
  }),
  reportedBy: z.string().nullable().meta({
    description: "The event that reports its outcome (committed with it), if it has one.",
  }),
  calls: z.array(TraceCall),
});

/** `GET /orders/{id}/trace`. */
export const OrderTrace = z.object({
  orderId: IdSchema,
  status: OrderStatus,
  traceId: z
    .string()
    .nullable()
    .meta({
      description:
        "The W3C trace id of the saga: the `traceparent` of the request that placed the order " +
        "(or the one the gateway started), carried by every event; logs carry it as `traceId`.",
    }),
  timedOut: TraceTimeout.nullable().meta({
    description: "Set when no decision came within the saga deadline (rejectionReason TIMED_OUT).",
  }),
  events: z.array(TraceEvent).meta({
    description: "Causal order: each event after the event that caused it, ties by commit time.",
  }),
  payment: z
    .object({ status: PaymentStatus, amountCents: z.number().int() })
    .nullable()
    .default(null)
    .meta({
      description:
        "Where the order's card payment stands (as `GET /orders/{id}/payment`); null until " +
        "the payment service heard of the order.",
    }),
  effects: z
    .array(TraceEffect)
    .default([])
    .meta({ description: "The calls to the card processor, in the order they were decided." }),
});
export type OrderTrace = z.infer<typeof OrderTrace>;
export type TraceEvent = z.infer<typeof TraceEvent>;
export type TraceTimeout = z.infer<typeof TraceTimeout>;
export type TraceEffect = z.infer<typeof TraceEffect>;
export type TraceCall = z.infer<typeof TraceCall>;
