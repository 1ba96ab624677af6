import { faultsEnabled, HttpError } from "@edge-saga/shared";
import { Hono } from "hono";

/**
 * `/admin/psp/faults` (PUT, GET, DELETE): the sandbox's seeded faults (`psp.timeout-after-commit`,
 * `psp.error`), for chaos runs, which reach the services only through the gateway. Passed to the
 * sandbox's `/v1/test/faults`. 404 unless faults are enabled (never in a deployed config) and
 * the PSP binding is the sandbox (deploy removes it).
 */
export const pspFaults = new Hono<{ Bindings: Env }>().all("/faults", async (c) => {
  if (!faultsEnabled(c.env) || !c.env.PSP) throw new HttpError(404, "NOT_FOUND", "no such route");
  const body = c.req.method === "PUT" ? await c.req.text() : undefined;
  return c.env.PSP.fetch("http://psp/v1/test/faults", {
    method: c.req.method,
    headers: { authorization: "Bearer sk_test_sandbox", "content-type": "application/json" },
    body,
  });
});
