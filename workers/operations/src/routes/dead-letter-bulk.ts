import { DEAD_LETTER_SERVICES, type FleetBulkInput } from "@edge-saga/contracts/http";
import { CALLER_HEADER } from "@edge-saga/shared";
import type { Context } from "hono";
import type { z } from "zod";
import type { OperationsEnv } from "../types";
import { aggregate } from "./aggregate";

/**
 * `POST /admin/dead-letters/replay|discard`: the filter's service (or every one) runs its own
 * kit route (shared/src/admin/dead-letter-bulk-routes.ts) with the filter less `service`, as the
 * admin the gateway verified (its caller header, which names the token's fingerprint for the
 * audit). One service failing leaves the others' answers beside its error (502).
 */
export function bulkDeadLetters(action: "replay" | "discard") {
  return (c: Context<OperationsEnv>, input: z.infer<typeof FleetBulkInput>) => {
    const { service, ...filter } = input.filter;
    const services = service === "all" ? DEAD_LETTER_SERVICES : [service];
    return aggregate(c, `/admin/dead-letters/${action}`, services, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [CALLER_HEADER]: c.req.header(CALLER_HEADER) ?? "",
      },
      body: JSON.stringify({ filter, dryRun: input.dryRun }),
    });
  };
}

/** `GET /admin/dead-letters/audit`: every service's audit, side by side. */
export const deadLetterAudit = (c: Context<OperationsEnv>) =>
  aggregate(c, "/admin/dead-letters/audit", DEAD_LETTER_SERVICES);
