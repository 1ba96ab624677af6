import {
  BulkDeadLetterAnswer,
  checkDeadLetterFilter,
  DeadLetterAuditPage,
  DeadLetterCriteria,
} from "@edge-saga/shared/admin-routes";
import { createRoute, z } from "@hono/zod-openapi";
import { schemas } from "../components";
import {
  adminOnly,
  BAD_BODY,
  COMMON,
  errors,
  json,
  requestBody,
  TAGS,
  withRequestId,
} from "../describe";
import { ServiceFailure, ServiceName } from "../schemas";

/** Services with dead letters: the saga's four and the view. */
export const DEAD_LETTER_SERVICES = [...ServiceName.options, "view"] as const;

/** The kit's bulk filter, plus which service: one, or `all` of them. */
export const FleetDeadLetterFilter = DeadLetterCriteria.extend({
  service: z
    .enum([...DEAD_LETTER_SERVICES, "all"])
    .meta({ description: "One service's dead letters, or `all`: each service acts on its own." }),
}).superRefine(checkDeadLetterFilter);

export const FleetBulkInput = z.strictObject({
  filter: FleetDeadLetterFilter,
  dryRun: z.boolean().meta({ description: "true: count and show a sample, change nothing." }),
});

const slots = <S extends z.ZodType>(schema: S) =>
  z.object({ services: z.partialRecord(z.enum(DEAD_LETTER_SERVICES), schema) });

const PARTIAL =
  "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others their answers.";

/**
 * The 502 answer: the API's error body plus each service's slot. Its example is its own (the
 * error body's alone would not have `services`, and the document's linter checks examples).
 */
const partial = <S extends z.ZodType>(schema: S) =>
  schemas.ErrorBody.extend(slots(z.union([schema, ServiceFailure])).shape).openapi({
    example: {
      error: {
        code: "UPSTREAM_FAILED",
        message: "rewards did not answer",
        details: [{ path: "services.rewards", message: "failed" }],
      },
      services: {
        rewards: {
          error: { code: "UPSTREAM_UNAVAILABLE", message: "the rewards service did not answer" },
        },
      },
    },
  });

/** `POST /admin/dead-letters/replay` or `/discard`: the kit's bulk route on the chosen services. */
const fleetBulk = (action: "replay" | "discard") =>
  createRoute({
    operationId: action === "replay" ? "replayAdminDeadLetters" : "discardAdminDeadLetters",
    method: "post",
    path: `/admin/dead-letters/${action}`,
    tags: [TAGS.admin],
    summary: `${action === "replay" ? "Replay" : "Discard"} dead letters by filter, on one service or all`,
    description:
      "Each chosen service's `POST /admin/{service}/dead-letters/" +
      `${action}\` with the filter less \`service\`: a dry run (\`dryRun: true\`) counts and shows the ` +
      "oldest matches and changes nothing; a real run acts on every open match (at most 100 " +
      "replays or 1,000 discards a call per service: `untried` says how many are left) and each " +
      "service records who (the admin token's fingerprint), when, the filter and how many in its " +
      "audit (`GET /admin/dead-letters/audit`). At least one criterion besides `service`. Admin only.",
    ...adminOnly,
    request: {
      headers: withRequestId(),
      body: requestBody(FleetBulkInput, "The filter and whether it is a dry run."),
    },
    responses: {
      200: json("Every chosen service answered.", slots(BulkDeadLetterAnswer)),
      ...errors({ 400: BAD_BODY, 413: COMMON[413], 415: COMMON[415] }, true),
      502: json(PARTIAL, partial(BulkDeadLetterAnswer)),
    },
  });

/** The fleet-wide bulk dead-letter routes (served by the operations Worker). */
export const fleetDeadLetterRoutes = {
  replayAdminDeadLetters: fleetBulk("replay"),
  discardAdminDeadLetters: fleetBulk("discard"),
  getAdminDeadLetterAudit: createRoute({
    operationId: "getAdminDeadLetterAudit",
    method: "get",
    path: "/admin/dead-letters/audit",
    tags: [TAGS.admin],
    summary: "Bulk dead-letter actions of every service, newest first",
    description:
      "Each service's audit of bulk replays and discards: who (the admin token's fingerprint), " +
      "when, the filter and how many. `?limit=` (at most 100) per service; `?after=` pages one " +
      "service's (`/admin/{service}/dead-letters/audit`). Admin only.",
    ...adminOnly,
    request: {
      query: z.object({
        limit: z.string().optional().meta({ description: "Rows per service, at most 100." }),
      }),
      headers: withRequestId(),
    },
    responses: {
      200: json("Every service answered.", slots(DeadLetterAuditPage)),
      ...errors({}, true),
      502: json(PARTIAL, partial(DeadLetterAuditPage)),
    },
  }),
};
