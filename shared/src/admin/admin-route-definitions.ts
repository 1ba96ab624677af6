import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { FaultPlanSchema } from "../faults/faults";
import {
  AdminError,
  BenchBaselineAnswer,
  BenchBaselineInput,
  CorrelationParam,
  D1CallCountsSchema,
  DeadLetterParam,
  DeadLetterSchema,
  DeadLetterStatusQuery,
  EventPageQuery,
  FaultReportsSchema,
  HandledPage,
  MaintenanceAnswer,
  OutboxStatusSchema,
  PendingEffects,
  PublishedPage,
  ReplayInput,
  ReplayJobSchema,
  Resolved,
  StatsQuery,
  StatsSchema,
  TraceSchema,
} from "./admin-schemas";
import {
  AuditPageQuery,
  BulkDeadLetterAnswer,
  BulkDeadLetterInput,
  DeadLetterAuditPage,
} from "./dead-letter-schemas";

// The schemas too, so contracts can name the kit's answers instead of restating them.
export * from "./admin-schemas";
export * from "./dead-letter-schemas";

/**
 * The kit's admin routes as @hono/zod-openapi definitions: one definition validates the
 * request, types the handler (the routers beside this file serve them) and documents the route
 * (contracts/src/http/routes/admin.ts, under the gateway's `/admin/{service}`). Paths are
 * relative to where a service mounts them (`/admin`). Zod only: importable from Node.
 */

const answer = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { "application/json": { schema } },
});
const refused = (description: string) => answer(description, AdminError);
const body = <S extends z.ZodType>(schema: S) => ({
  required: true,
  content: { "application/json": { schema } },
});
const ONE_DEAD_LETTER = {
  404: refused("`NOT_FOUND`: no such dead letter."),
  409: refused("`ALREADY_RESOLVED`: it was replayed or discarded already (the message says how)."),
};
const FAULTS_OFF = "`FAULTS_DISABLED`: fault injection is off (FAULTS_ENABLED is not true).";
const BENCH_OFF = "`BENCH_BASELINES_DISABLED`: BENCH_BASELINES_ENABLED is not true.";
const INVALID = refused("`VALIDATION_FAILED`: the body breaks the schema; `details` lists why.");

/** Outbox, relay and what this service handled (outbox-routes.ts). */
export const outboxRouteDefinitions = {
  getOutbox: createRoute({
    method: "get",
    path: "/outbox",
    summary: "Outbox backlog, receipts still owed and relay status",
    responses: { 200: answer("The backlog.", OutboxStatusSchema) },
  }),
  getStats: createRoute({
    method: "get",
    path: "/stats",
    summary: "Throughput per minute, duplicates absorbed, retries, dead letters, relay health",
    request: { query: StatsQuery },
    responses: { 200: answer("The figures.", StatsSchema) },
  }),
  getPublishedEvents: createRoute({
    method: "get",
    path: "/events/published",
    summary: "Every event published, by id (for the consistency checker)",
    request: { query: EventPageQuery },
    responses: { 200: answer("One page, by id.", PublishedPage) },
  }),
  getHandledEvents: createRoute({
    method: "get",
    path: "/events/handled",
    summary: "Every event handled: applied (inbox) or dead-lettered",
    request: { query: EventPageQuery },
    responses: { 200: answer("One page, by id.", HandledPage) },
  }),
  getTrace: createRoute({
    method: "get",
    path: "/trace/{correlationId}",
    summary: "One saga as this service saw it",
    description:
      "Events it committed and published, applied (with duplicates dropped), its dead letters.",
    request: { params: CorrelationParam },
    responses: { 200: answer("The saga's trace here.", TraceSchema) },
  }),
  getEffects: createRoute({
    method: "get",
    path: "/effects",
    summary: "Effects still without an answer, oldest first",
    responses: { 200: answer("The newest 100 pending, and how many there are.", PendingEffects) },
  }),
  startReplay: createRoute({
    method: "post",
    path: "/replay",
    summary: "Send the retained outbox again to one subscriber (backfill, rebuild)",
    request: { body: body(ReplayInput) },
    responses: {
      202: answer(
        "Started, on every shard's relay (the shards' jobs summed; each apart on several).",
        z.object({
          replay: ReplayJobSchema,
          shards: z
            .array(z.object({ shard: z.number().int(), replay: ReplayJobSchema }))
            .optional(),
        }),
      ),
      400: INVALID,
      422: refused("`UNKNOWN_SUBSCRIBER`: no such subscriber of this service's events."),
    },
  }),
  getReplays: createRoute({
    method: "get",
    path: "/replay",
    summary: "Replays started, by subscriber",
    responses: {
      200: answer(
        "Each subscriber's last replay, by subscriber.",
        z.object({
          replays: z.record(z.string(), ReplayJobSchema),
          shards: z
            .array(
              z.object({
                shard: z.number().int(),
                replays: z.record(z.string(), ReplayJobSchema),
              }),
            )
            .optional(),
        }),
      ),
    },
  }),
  runMaintenance: createRoute({
    method: "post",
    path: "/maintenance",
    summary: "What the cron does, now: poke the relay, prune retained rows",
    responses: { 200: answer("Done.", MaintenanceAnswer) },
  }),
} satisfies Record<string, RouteConfig>;

/** Dead letters: list, replay, discard, one or in bulk (dead-letter-routes.ts, dead-letter-bulk-routes.ts). */
export const deadLetterRouteDefinitions = {
  listDeadLetters: createRoute({
    method: "get",
    path: "/dead-letters",
    summary: "The newest 100 dead letters",
    request: { query: DeadLetterStatusQuery },
    responses: {
      200: answer("Newest first.", z.object({ deadLetters: z.array(DeadLetterSchema) })),
      400: refused("`VALIDATION_FAILED`: status is neither open nor resolved."),
    },
  }),
  replayDeadLetter: createRoute({
    method: "post",
    path: "/dead-letters/{id}/replay",
    summary: "Apply a dead letter through the consumer's path (validation, handler, inbox dedupe)",
    request: { params: DeadLetterParam },
    responses: {
      200: answer("Applied, or found applied already: either way once.", Resolved),
      ...ONE_DEAD_LETTER,
      409: refused("`ALREADY_RESOLVED`: resolved already. `REPLAY_FAILED`: the handler failed."),
      422: refused("`INVALID_MESSAGE`: still invalid (the reason says why)."),
      501: refused("`NO_CONSUMER`: this Worker has no inbox consumer to replay through."),
    },
  }),
  discardDeadLetter: createRoute({
    method: "post",
    path: "/dead-letters/{id}/discard",
    summary: "Resolve a dead letter without applying it",
    request: { params: DeadLetterParam },
    responses: { 200: answer("Discarded.", Resolved), ...ONE_DEAD_LETTER },
  }),
  bulkReplayDeadLetters: bulkDeadLetterRoute("replay", {
    501: refused("`NO_CONSUMER`: this Worker has no inbox consumer to replay through."),
  }),
  bulkDiscardDeadLetters: bulkDeadLetterRoute("discard", {}),
  getDeadLetterAudit: createRoute({
    method: "get",
    path: "/dead-letters/audit",
    summary: "Bulk replays and discards: who (token fingerprint), when, filter, how many",
    request: { query: AuditPageQuery },
    responses: { 200: answer("Newest first, one page.", DeadLetterAuditPage) },
  }),
} satisfies Record<string, RouteConfig>;

/** `POST /dead-letters/replay` or `/discard`: every open dead letter a filter matches. */
function bulkDeadLetterRoute<const R extends RouteConfig["responses"]>(
  action: "replay" | "discard",
  more: R,
) {
  return createRoute({
    method: "post",
    path: `/dead-letters/${action}` as const,
    summary: `${action === "replay" ? "Replay" : "Discard"} every open dead letter a filter matches`,
    description:
      "A dry run counts the matches and shows the oldest few, changing nothing. A real run " +
      `${action === "replay" ? "replays each as the single replay does" : "discards each"}, ` +
      "in chunks, oldest first, on every shard, and records who (the admin token's " +
      "fingerprint), when, the filter and how many in the audit.",
    request: { body: body(BulkDeadLetterInput) },
    responses: {
      200: answer("Done, or counted (dry run).", BulkDeadLetterAnswer),
      400: INVALID,
      401: refused("`UNAUTHENTICATED`: not called through the gateway's admin check."),
      403: refused("`FORBIDDEN`: the caller is not an admin."),
      ...more,
    },
  });
}

/** Fault injection, dev and chaos runs only: FAULTS_ENABLED "true" (fault-routes.ts). */
export const faultRouteDefinitions = {
  getFaults: createRoute({
    method: "get",
    path: "/faults",
    summary: "The fault plan and what it injected so far",
    responses: {
      200: answer("The plan; `enabled: false` when faults are off.", FaultReportsSchema),
    },
  }),
  setFaults: createRoute({
    method: "put",
    path: "/faults",
    summary: "Set the fault plan (seeded: a seed replays the same faults)",
    request: { body: body(FaultPlanSchema) },
    responses: {
      200: answer("The plan now, on every shard.", FaultReportsSchema),
      400: INVALID,
      404: refused(FAULTS_OFF),
    },
  }),
  clearFaults: createRoute({
    method: "delete",
    path: "/faults",
    summary: "Clear the fault plan",
    responses: {
      200: answer("No plan, on every shard.", FaultReportsSchema),
      404: refused(FAULTS_OFF),
    },
  }),
} satisfies Record<string, RouteConfig>;

/**
 * Bench hooks, `npm run bench` only: BENCH_BASELINES_ENABLED "true". Described here; served by
 * shared/bench/bench-routes.ts, which only a bench entry (never a production Worker) mounts.
 */
export const benchRouteDefinitions = {
  getD1Calls: createRoute({
    method: "get",
    path: "/bench/d1-calls",
    summary: "What this isolate was billed for: invocations, queue operations, D1 calls and rows",
    responses: { 200: answer("Counts so far.", D1CallCountsSchema), 404: refused(BENCH_OFF) },
  }),
  setBenchBaseline: createRoute({
    method: "put",
    path: "/bench-baseline",
    summary: "The polling-relay baseline: drain every N ms and ignore pokes, or null",
    request: { body: body(BenchBaselineInput) },
    responses: {
      200: answer("The relay's polling interval now.", BenchBaselineAnswer),
      400: INVALID,
      404: refused(BENCH_OFF),
    },
  }),
} satisfies Record<string, RouteConfig>;

/** Every kit admin route, by name. */
export const kitAdminRouteDefinitions = {
  ...outboxRouteDefinitions,
  ...deadLetterRouteDefinitions,
  ...faultRouteDefinitions,
  ...benchRouteDefinitions,
};
