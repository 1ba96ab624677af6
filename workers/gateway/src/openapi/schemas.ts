import { OrderStatus } from "@edge-saga/contracts";
import { DEAD_LETTER_RESOLUTIONS, IdSchema } from "@edge-saga/shared";
import { z } from "@hono/zod-openapi";
import { SERVICES } from "../types";

/**
 * Shapes the gateway documents that `contracts/src/api.ts` does not define (yet). Each mirrors
 * what the named service code answers today; they belong in contracts beside the others, where
 * the services could type their answers with them. Until then, keep them in step by hand.
 */

const isoTime = z.iso.datetime();
const epochMs = z.number().int().meta({ description: "Milliseconds since the Unix epoch." });

/** One failing field of an error answer (shared/src/http/errors.ts `ErrorDetail`). */
export const ErrorDetail = z.object({
  path: z.string().openapi({
    description: "The failing field, e.g. `items.0.sku`; `(root)` for the whole body.",
  }),
  message: z.string(),
});

/** The one error shape of the public API (shared/src/http/errors.ts `ErrorBody`). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({
      description: "Stable UPPER_SNAKE code to branch on, e.g. `VALIDATION_FAILED`.",
    }),
    message: z.string().meta({ description: "Human-readable explanation; wording may change." }),
    details: z.array(ErrorDetail).optional().meta({ description: "One entry per failing field." }),
  }),
});

/** `Idempotency-Key` of `POST /orders` (workers/order/src/domain/idempotency.ts). */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/** Query of `GET /customers/{id}/rewards/ledger` (workers/rewards/src/routes/customers.ts). */
export const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One step of an order's life (workers/order/src/routes/orders.ts `GET /orders/:id/history`). */
export const OrderTransition = z.object({
  version: z.number().int().meta({ description: "1 for the placement, then one more per change." }),
  fromStatus: OrderStatus.nullable().meta({ description: "null for the placement." }),
  toStatus: OrderStatus,
  change: z.string().meta({ description: "The command or event type behind the change." }),
  cause: z.string().meta({ description: "Id of the request or event that caused the change." }),
  at: isoTime,
});

export const OrderHistory = z.object({ orderId: IdSchema, transitions: z.array(OrderTransition) });

/** One balance change (workers/rewards/src/db/tables.ts `ledger`, LEDGER_KINDS). */
export const LedgerEntry = z.object({
  id: z.string(),
  customerId: IdSchema,
  orderId: IdSchema.nullable().meta({
    description: "The order the change belongs to; null for grants.",
  }),
  kind: z.enum(["GRANT", "REDEEM", "EARN", "REFUND", "CLAWBACK"]),
  points: z.number().int().meta({ description: "Signed change of the balance." }),
  reason: z.string().nullable(),
  causationId: z.string().meta({ description: "The event or request that caused the change." }),
  createdAt: isoTime,
});

export const Ledger = z.object({
  entries: z.array(LedgerEntry).meta({ description: "Newest first." }),
});

/** Query of `GET /customers/{id}/rewards/history` (workers/rewards/src/routes/customers.ts). */
export const HistoryQuery = z.strictObject({
  cursor: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** One entry of a customer's points ledger, the account's source of truth (LEDGER_KINDS). */
export const HistoryEntry = z.object({
  seq: z.number().int().meta({ description: "Position in the customer's ledger, from 1." }),
  id: z.string(),
  kind: z.enum(["GRANT", "HOLD", "RELEASE", "REDEEM", "EARN", "REFUND", "CLAWBACK"]),
  points: z.number().int().meta({ description: "Signed change of the balance." }),
  reserved: z.number().int().meta({ description: "Signed change of the reserved points." }),
  orderId: IdSchema.nullable().meta({ description: "null for grants." }),
  reason: z.string().nullable(),
  causationId: z.string().meta({ description: "The event or request that caused the change." }),
  createdAt: isoTime,
});

export const RewardsHistory = z.object({
  customerId: IdSchema,
  entries: z.array(HistoryEntry).meta({ description: "Newest first." }),
  nextCursor: z
    .number()
    .int()
    .nullable()
    .meta({ description: "`cursor` of the next (older) page; null on the last page." }),
});

/** What `POST /customers/{id}/rewards/grants` stored (workers/rewards/src/routes/customers.ts). */
export const Grant = z.object({
  id: z.string(),
  customerId: IdSchema,
  points: z.number().int(),
  reason: z.string().nullable(),
  createdAt: isoTime,
});

/** Relay state of one service (shared/src/relay/outbox-relay.ts `RelayStatus`). */
export const RelayStatus = z.object({
  lastRunAt: epochMs.nullable(),
  lastSuccessAt: epochMs.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: epochMs.nullable(),
  consecutiveFailures: z.number().int(),
  publishedTotal: z.number().int(),
  resentTotal: z
    .number()
    .int()
    .meta({ description: "Events sent again to a subscriber that owed a receipt for them." }),
  nextAlarmAt: epochMs.nullable().meta({ description: "When the relay runs next, if armed." }),
});

/** One service's `GET /admin/outbox` (shared/src/admin/kit-admin-routes.ts). */
export const OutboxStatus = z.object({
  pending: z.number().int().meta({ description: "Events not yet published." }),
  oldestPendingAt: epochMs.nullable(),
  outboxRows: z.number().int(),
  inboxRows: z.number().int(),
  unacknowledged: z
    .object({
      events: z
        .number()
        .int()
        .meta({ description: "Published events a subscriber owes a receipt for." }),
      oldestPublishedAt: epochMs.nullable(),
      bySubscriber: z.record(z.string(), z.number().int()),
    })
    .meta({
      description: "Delivery receipts still missing; such events are re-sent with backoff.",
    }),
  relay: RelayStatus,
});

/** A message a service could not apply (shared/src/db/kit-schema.ts `dead_letters`). */
export const DeadLetter = z.object({
  id: z.string(),
  queue: z.string(),
  messageId: z.string(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  reason: z.string(),
  attempts: z.number().int(),
  body: z.string().meta({ description: "The message body as received (JSON text)." }),
  receivedAt: epochMs,
  resolvedAt: epochMs.nullable(),
  resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
});

/** One service's `GET /admin/dead-letters`: the newest 100. */
export const DeadLetters = z.object({ deadLetters: z.array(DeadLetter) });

const MinuteCount = z.object({
  minute: epochMs.meta({ description: "Start of the minute." }),
  count: z.number().int(),
});

/** One service's `GET /admin/stats` (shared/src/admin/kit-admin-routes.ts). */
export const KitStats = z.object({
  outbox: z.object({
    pending: z.number().int().meta({ description: "Events not yet published." }),
    oldestPendingAgeMs: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Age of the oldest unpublished event; null when none." }),
    unacknowledged: z
      .number()
      .int()
      .meta({ description: "Published events some subscriber has not sent a receipt for." }),
    oldestUnacknowledgedAgeMs: z.number().int().nullable(),
    resent: z.number().int().meta({ description: "Re-sends for want of a receipt (relay total)." }),
  }),
  perMinute: z
    .object({
      since: epochMs.meta({ description: "Start of the first minute counted." }),
      published: z.array(MinuteCount),
      consumed: z.array(MinuteCount).meta({ description: "Events applied." }),
      consumer: z.array(
        MinuteCount.extend({ metric: z.enum(["duplicate", "retried", "dead-lettered"]) }),
      ),
    })
    .meta({ description: "Minutes with something to count, over the last `minutes`." }),
  totals: z.object({
    duplicatesAbsorbed: z.number().int(),
    retries: z.number().int(),
    deadLettered: z.number().int(),
    openDeadLetters: z.number().int(),
  }),
  relay: RelayStatus,
});

/** A service's slot in an admin aggregate when it failed (workers/gateway/src/routes/admin.ts). */
export const ServiceFailure = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    status: z
      .number()
      .int()
      .optional()
      .meta({ description: "The service's HTTP status, if it answered." }),
  }),
});

/** `{ services: { order, inventory, rewards } }` with `slot` in each service's place. */
export function perService<T extends z.ZodType>(slot: T) {
  return z.object({
    services: z.object({ order: slot, inventory: slot, rewards: slot }),
  });
}

/** Which service a `/admin/{service}/...` call goes to. */
export const ServiceName = z.enum(SERVICES);

/** Whatever a service's own admin route answers (e.g. `POST .../maintenance`). */
export const ServiceAdminAnswer = z.record(z.string(), z.unknown());
