import {
  DeadLetterSchema,
  deadLetterRouteDefinitions,
  StatsSchema,
} from "@edge-saga/shared/admin-routes";
import { IdSchema } from "@edge-saga/shared/events";
import { z } from "@hono/zod-openapi";
import * as contracts from "../index";
import { SAGA_SERVICES } from "../index";

export { Grant } from "@edge-saga/contracts";

/**
 * contracts' schemas were built before @hono/zod-openapi extended zod, so they lack `.openapi()`,
 * which `registry.register` calls (and whose `.extend` gives the document its `allOf`). The same
 * fields in an object of this module's zod are what the registry can name.
 */
const documented = <S extends z.ZodRawShape>(schema: z.ZodObject<S>) => z.object(schema.shape);

export const ErrorBody = documented(contracts.ErrorBody);
export const OrderHistory = documented(contracts.OrderHistory);
export const Ledger = documented(contracts.Ledger);
/** The kit's schema, already built with this module's zod. */
export const OutboxStatus = contracts.OutboxStatus;

/**
 * Shapes the document names that `contracts/src/api.ts` does not define: what the named service
 * or kit code answers. test/e2e/api-shapes.test.ts parses every documented GET's real answer
 * with its schema, so one drifting from the code fails there.
 */

const isoTime = z.iso.datetime();

/** `Idempotency-Key` of `POST /orders`, the one rule for its form (the route checks it). */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/** Query of `GET /customers/{id}/rewards/ledger` (workers/rewards/src/routes/customers.ts). */
export const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
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

// What the kit's admin routes answer: the kit's own schemas (shared/src/admin), named here.

/** A message a service could not apply (shared/src/db/kit-schema.ts `dead_letters`). */
export const DeadLetter = DeadLetterSchema;

/** One service's `GET /admin/dead-letters`: the newest 100. */
export const DeadLetters =
  deadLetterRouteDefinitions.listDeadLetters.responses[200].content["application/json"].schema;

/** One service's `GET /admin/stats`. */
export const KitStats = StatsSchema;

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
    services: z.object({ order: slot, inventory: slot, rewards: slot, payment: slot }),
  });
}

/** Which service a `/admin/{service}/...` call goes to. */
export const ServiceName = z.enum(SAGA_SERVICES);

/** Whatever a service's own admin route answers (e.g. `POST .../maintenance`). */
export const ServiceAdminAnswer = z.record(z.string(), z.unknown());
