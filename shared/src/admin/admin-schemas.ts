import { z } from "@hono/zod-openapi";
import { DEAD_LETTER_RESOLUTIONS } from "../dead-letters/resolutions";
import { FAULT_POINTS, FaultPlanSchema } from "../faults/faults";

/**
 * What the kit's admin routes take and answer (admin-route-definitions.ts), zod only: no
 * Workers types or modules, so contracts can document them from Node.
 */

const EpochMs = z.number().int().meta({ description: "Milliseconds since the Unix epoch." });
const count = z.number().int();

/** The API's one error shape (shared/src/http/errors.ts `ErrorBody`). */
export const AdminError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** The relay's state (shared/src/relay/outbox-relay.ts `RelayStatus`). */
export const RelayStatusSchema = z.object({
  lastRunAt: EpochMs.nullable(),
  lastSuccessAt: EpochMs.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: EpochMs.nullable(),
  consecutiveFailures: count,
  publishedTotal: count,
  resentTotal: count.meta({ description: "Events sent again for want of a receipt." }),
  heldResentTotal: count.optional(),
  unrouted: z.record(z.string(), count).optional(),
  nextAlarmAt: EpochMs.nullable().meta({ description: "When the relay runs next, if armed." }),
});

export const UnacknowledgedSchema = z
  .object({
    events: count.meta({ description: "Published events a subscriber owes a receipt for." }),
    oldestPublishedAt: EpochMs.nullable(),
    bySubscriber: z.record(z.string(), count),
  })
  .meta({ description: "Delivery receipts still missing; such events are re-sent with backoff." });

const shardNumber = count.min(0).meta({ description: "The shard (0 is `DB`, i is `DB_<i>`)." });

const OutboxFigures = z.object({
  pending: count.meta({ description: "Events not yet published." }),
  oldestPendingAt: EpochMs.nullable(),
  outboxRows: count,
  inboxRows: count,
  unacknowledged: UnacknowledgedSchema,
  relay: RelayStatusSchema,
});

/** Over every shard of the service (counts summed, oldest times), and each shard apart. */
export const OutboxStatusSchema = OutboxFigures.extend({
  shards: z
    .array(OutboxFigures.extend({ shard: shardNumber }))
    .optional()
    .meta({ description: "Each shard's backlog and relay, by shard (one on one database)." }),
});

const MinuteCount = z.object({ minute: EpochMs, count });

export const StatsQuery = z.object({
  minutes: z.string().optional().meta({
    description: "Minutes of per-minute figures, the current one included: 1-1440, default 15.",
  }),
});

const StatsOutbox = z.object({
  pending: count,
  oldestPendingAgeMs: count.nullable(),
  unacknowledged: count,
  oldestUnacknowledgedAgeMs: count.nullable(),
  resent: count,
  unrouted: z.record(z.string(), count).meta({
    description: "Messages not sent for want of a subscriber's queue binding, by subscriber.",
  }),
});
const StatsTotals = z.object({
  duplicatesAbsorbed: count,
  retries: count,
  deadLettered: count,
  openDeadLetters: count,
  undeliverable: count.meta({
    description: "Open dead letters of events a subscriber never acknowledged within retention.",
  }),
});

/** Over every shard of the service (summed per minute), and each shard's backlog, totals, relay. */
export const StatsSchema = z.object({
  outbox: StatsOutbox,
  perMinute: z.object({
    since: EpochMs,
    published: z.array(MinuteCount),
    consumed: z.array(MinuteCount),
    consumer: z.array(
      MinuteCount.extend({ metric: z.enum(["duplicate", "retried", "dead-lettered"]) }),
    ),
  }),
  totals: StatsTotals,
  relay: RelayStatusSchema,
  shards: z
    .array(
      z.object({
        shard: shardNumber,
        outbox: StatsOutbox,
        totals: StatsTotals,
        relay: RelayStatusSchema,
      }),
    )
    .optional()
    .meta({ description: "Each shard's figures, by shard (one on one database)." }),
});

/** Largest page of the event id routes: ids are small, so a page is a few hundred KB at most. */
export const EVENT_PAGE_MAX = 5000;

export const EventPageQuery = z.object({
  after: z.string().optional().meta({ description: "`next` of the previous page." }),
  limit: z
    .string()
    .optional()
    .meta({ description: `Ids per page, at most ${EVENT_PAGE_MAX} (the default).` }),
});

export const PublishedPage = z.object({
  events: z.array(z.object({ id: z.string(), type: z.string() })),
  next: z.string().nullable().meta({ description: "`after` of the next page; null on the last." }),
});

export const HandledPage = z.object({
  events: z.array(z.string()),
  next: z.string().nullable(),
});

export const CorrelationParam = z.object({
  correlationId: z.string().min(1).max(128).meta({ description: "The saga's correlation id." }),
});

const nullableTime = EpochMs.nullable();
/** On a service with several shards, the shard a row was found on. */
const onShard = { shard: shardNumber.optional() };
export const TraceSchema = z.object({
  published: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      causationId: z.string().nullable(),
      committedAt: EpochMs,
      publishedAt: nullableTime,
      awaitingReceiptFrom: z.string().nullable().meta({ description: "JSON array, or null." }),
      resends: count,
      traceparent: z.string().nullable().meta({ description: "The W3C trace context it carries." }),
      ...onShard,
    }),
  ),
  handled: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      appliedAt: EpochMs,
      attempts: count,
      duplicatesDropped: count,
      lastDuplicateAt: nullableTime,
      ...onShard,
    }),
  ),
  deadLetters: z.array(
    z.object({
      eventId: z.string().nullable(),
      type: z.string().nullable(),
      reason: z.string(),
      attempts: count,
      receivedAt: EpochMs,
      resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
      ...onShard,
    }),
  ),
  effects: z.array(z.record(z.string(), z.unknown())).optional().meta({
    description: "Only for a service that makes effects: each with every call made for it.",
  }),
});

export const PendingEffects = z.object({
  pending: z.array(z.record(z.string(), z.unknown())),
  total: count,
});

export const ReplayInput = z.strictObject({
  to: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .meta({ description: "The subscriber service to send to, e.g. `view`." }),
  since: z.iso
    .datetime({ offset: true })
    .meta({ description: "Replay rows committed at or after this time." }),
});

export const ReplayJobSchema = z.object({
  to: z.string(),
  since: EpochMs,
  afterSeq: count,
  sent: count,
  startedAt: EpochMs,
  finishedAt: nullableTime,
});

export const MaintenanceAnswer = z.object({
  relayPoked: z.literal(true),
  pruned: z.record(z.string(), count),
  shards: z
    .array(z.object({ shard: shardNumber, pruned: z.record(z.string(), count) }))
    .optional()
    .meta({ description: "On several shards: each shard's pruned rows." }),
});

export const DeadLetterStatusQuery = z.object({
  status: z.enum(["open", "resolved"]).optional(),
});

export const DeadLetterSchema = z.object({
  id: z.string().meta({
    description:
      "Names its shard on a service with several: `s<shard>.<stored id>` beyond shard 0.",
  }),
  queue: z.string(),
  messageId: z.string(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  reason: z.string(),
  attempts: count,
  body: z.string().meta({ description: "The message body as received (JSON text)." }),
  receivedAt: EpochMs,
  resolvedAt: nullableTime,
  resolution: z.enum(DEAD_LETTER_RESOLUTIONS).nullable(),
  ...onShard,
});

export const DeadLetterParam = z.object({ id: z.string().min(1).max(128) });

export const Resolved = z.object({
  id: z.string(),
  resolution: z.enum(["replayed", "discarded"]),
  /** resent: an UNDELIVERABLE event sent again to its subscriber. */
  outcome: z.enum(["applied", "duplicate", "resent"]).optional(),
});

export const FaultReportSchema = z.object({
  enabled: z.boolean(),
  plan: FaultPlanSchema.nullable(),
  injected: z.partialRecord(z.enum(FAULT_POINTS), count),
  drawn: z.partialRecord(z.enum(FAULT_POINTS), count).optional(),
});

/** Every shard's relay holds the plan: over all of them (injected summed), and each apart. */
export const FaultReportsSchema = FaultReportSchema.extend({
  shards: z
    .array(FaultReportSchema.extend({ shard: shardNumber }))
    .optional()
    .meta({ description: "On several shards: each shard's relay's plan and faults." }),
});

export const D1CallCountsSchema = z.object({
  isolate: z.string(),
  since: EpochMs,
  total: count,
  byMethod: z.record(z.string(), count),
  byShard: z.array(count).meta({ description: "Calls per shard, by shard number." }),
  unattributed: count.meta({
    description: "Calls on binding objects the counter could not tie to a shard.",
  }),
  queueMessages: z.object({ isolate: z.string(), events: count, receipts: count }).nullable(),
  invocations: z
    .object({
      fetch: count,
      queueBatches: count,
      queueMessages: count,
      scheduled: count,
      doFetch: count,
      doRpc: count,
      doAlarm: count,
      doRpcByMethod: z.record(z.string(), count),
    })
    .meta({ description: "Worker and Durable Object invocations by kind (bench routes aside)." }),
  queueCalls: z.object({ send: count, sendBatch: count }).nullable(),
  queueOperations: z.object({ write: count, read: count, delete: count }).meta({
    description: "Billed queue operations (one per 64 KB): sent, delivered, acknowledged here.",
  }),
  d1RowsRead: count.nullable().meta({ description: "Sum of meta.rows_read; null: not visible." }),
  d1RowsWritten: count.nullable(),
  d1RowsReadByShard: z.array(count).nullable(),
  d1RowsWrittenByShard: z.array(count).nullable(),
});

export const BenchBaselineInput = z.strictObject({
  relayPollIntervalMs: z.number().int().min(100).max(600_000).nullable().meta({
    description: "Drain only every this many ms and ignore pokes; null: back to poke-driven.",
  }),
});

export const BenchBaselineAnswer = z.object({ relayPollIntervalMs: count.nullable() });
