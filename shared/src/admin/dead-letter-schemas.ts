import { z } from "@hono/zod-openapi";
import { DeadLetterParam, DeadLetterSchema } from "./admin-schemas";

/**
 * What the bulk dead-letter routes take and answer (dead-letter-bulk-routes.ts), zod only like
 * admin-schemas.ts. The filter's meaning: shared/src/dead-letters/bulk-filter.ts.
 */

const EpochMs = z.number().int().meta({ description: "Milliseconds since the Unix epoch." });
const count = z.number().int();

/** Bulk replay and discard act on at most this many a call; `untried` says how many are left. */
export const BULK_DEAD_LETTER_LIMITS = { replay: 100, discard: 1000 } as const;
/** A bulk answer shows at most this many of the matches. */
export const BULK_SAMPLE_SIZE = 10;

const isoTime = z.iso.datetime({ offset: true });

/** Each criterion of a bulk filter; a dead letter must match every one given. */
export const DeadLetterCriteria = z.strictObject({
  eventType: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: "The event's type, exactly, e.g. `PaymentCaptured`." }),
  reason: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: "A substring of the reason, case-sensitive, e.g. `handler failed`." }),
  receivedFrom: isoTime.optional().meta({ description: "Received at or after this time." }),
  receivedTo: isoTime.optional().meta({ description: "Received before this time." }),
  ids: z
    .array(DeadLetterParam.shape.id)
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "These dead letters, by the ids the list shows." }),
});

/** The checks of a whole filter, for the kit's and the fleet-wide (contracts') forms alike. */
export const checkDeadLetterFilter = (
  filter: Record<string, unknown> & { receivedFrom?: string; receivedTo?: string },
  ctx: { addIssue: (issue: { code: "custom"; message: string; path?: string[] }) => void },
) => {
  const { service: _, ...criteria } = filter;
  if (!Object.values(criteria).some((value) => value !== undefined))
    ctx.addIssue({
      code: "custom",
      message: "name at least one of eventType, reason, receivedFrom, receivedTo, ids",
    });
  if (filter.receivedFrom && filter.receivedTo && filter.receivedFrom >= filter.receivedTo)
    ctx.addIssue({
      code: "custom",
      path: ["receivedTo"],
      message: "receivedTo must come after receivedFrom",
    });
};

export const DeadLetterFilterSchema = DeadLetterCriteria.superRefine(checkDeadLetterFilter);

export const BulkDeadLetterInput = z.strictObject({
  filter: DeadLetterFilterSchema,
  dryRun: z.boolean().meta({ description: "true: count and show a sample, change nothing." }),
});

export const BulkDeadLetterAnswer = z.object({
  action: z.enum(["replay", "discard"]),
  dryRun: z.boolean(),
  matched: count.meta({ description: "Open dead letters the filter matches (before acting)." }),
  sample: z
    .array(DeadLetterSchema)
    .meta({ description: `The oldest ${BULK_SAMPLE_SIZE} matches at most.` }),
  resolved: count.meta({ description: "Replayed or discarded by this call; 0 on a dry run." }),
  failed: z
    .array(z.object({ id: z.string(), code: z.string(), message: z.string() }))
    .meta({ description: "Replays that failed (invalid, handler failing): these stay open." }),
  untried: count.meta({
    description: `Matches left for another call: one acts on at most ${BULK_DEAD_LETTER_LIMITS.replay} (replay) or ${BULK_DEAD_LETTER_LIMITS.discard} (discard).`,
  }),
  auditId: z.string().nullable().meta({ description: "The audit row written; null on a dry run." }),
});

export const DeadLetterAuditSchema = z.object({
  id: z.string(),
  at: EpochMs,
  actor: z.string().meta({ description: "The admin token's fingerprint (never the token)." }),
  action: z.enum(["replay", "discard"]),
  filter: z.record(z.string(), z.unknown()).meta({ description: "The filter as given." }),
  count: count.meta({ description: "Dead letters replayed or discarded." }),
});

export const AuditPageQuery = z.object({
  after: z.string().optional().meta({ description: "`next` of the previous page." }),
  limit: z.string().optional().meta({ description: "Rows per page, at most 100 (the default)." }),
});

export const DeadLetterAuditPage = z.object({
  audit: z.array(DeadLetterAuditSchema).meta({ description: "Newest first." }),
  next: z.string().nullable().meta({ description: "`after` of the next page; null on the last." }),
});
