import { DEAD_LETTER_RESOLUTIONS, IdSchema } from "@edge-saga/shared/events";
import { z } from "zod";
import { OrderStatus } from "./api";

/** The services whose events make up an order's saga, in the trace's lane order. */
export const SAGA_SERVICES = ["order", "inventory", "rewards"] as const;
export type SagaService = (typeof SAGA_SERVICES)[number];

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
    .meta({ description: "The newest dead letter of the event at this subscriber, if any." }),
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

/** `GET /orders/{id}/trace`. */
export const OrderTrace = z.object({
  orderId: IdSchema,
  status: OrderStatus,
  timedOut: TraceTimeout.nullable().meta({
    description: "Set when no decision came within the saga deadline (rejectionReason TIMED_OUT).",
  }),
  events: z.array(TraceEvent).meta({
    description: "Causal order: each event after the event that caused it, ties by commit time.",
  }),
});
export type OrderTrace = z.infer<typeof OrderTrace>;
export type TraceEvent = z.infer<typeof TraceEvent>;
export type TraceTimeout = z.infer<typeof TraceTimeout>;
