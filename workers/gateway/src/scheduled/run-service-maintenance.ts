import { callService, loggerFor } from "@edge-saga/shared";
import { SERVICES } from "../types";

/**
 * The services' cron work on demand: in local dev `/__scheduled` (wrangler dev
 * --test-scheduled) reaches only the first Worker, the gateway, so it fans out here.
 * In production each service has its own cron trigger and the gateway none.
 */
export async function runServiceMaintenance(env: Env): Promise<void> {
  const log = loggerFor(env);
  await Promise.all(
    SERVICES.map(async (service) => {
      const answer = await callService(env, service, "/admin/maintenance", { method: "POST" });
      log.info("maintenance", { service, status: answer.status });
    }),
  );
}
