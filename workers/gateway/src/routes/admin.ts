import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { HttpError } from "@edge-saga/shared";
import { type Context, Hono } from "hono";
import { requireAdmin } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { isId } from "../middleware/valid-ids";
import { callService, forward } from "../proxy/forward";
import { type BoundService, type GatewayEnv, SERVICES, type ServiceName } from "../types";

/**
 * Everything under `/admin` needs the admin token, unknown paths included (401/403 before 404,
 * so the admin surface is not probeable without the token).
 * - `GET /admin/outbox`, `GET /admin/dead-letters`, `GET /admin/stats`: the same kit route of
 *   every service, side by side.
 * - `/admin/{order|inventory|rewards|view}/...`: one service's own admin routes (e.g. a dead-letter
 *   replay, a replay of its outbox, the view's rebuild), forwarded to its `/admin/...`; every
 *   segment must be an id.
 */
export const admin = new Hono<GatewayEnv>()
  .use("*", requireAdmin)
  .get("/outbox", (c) => aggregate(c, "/admin/outbox"))
  .get("/dead-letters", (c) => aggregate(c, "/admin/dead-letters"))
  .get("/stats", (c) => aggregate(c, "/admin/stats"))
  .all("/:service{order|inventory|rewards|view}/*", jsonBody({ required: false }), (c) => {
    const service = c.req.param("service") as BoundService;
    // The raw path, not Hono's decoded one: a `%2F` must fail here, not become a separator.
    const segments = new URL(c.req.url).pathname.split("/").slice(3);
    if (segments.length === 0 || !segments.every(isId)) {
      throw new HttpError(400, "VALIDATION_FAILED", "invalid admin path", [
        { path: "path", message: "each segment must match ^[A-Za-z0-9._-]{1,64}$" },
      ]);
    }
    return forward(c, service, `/admin/${segments.join("/")}`);
  });

/**
 * Asks every service for `path` in parallel: `{ services: { order, inventory, rewards } }`.
 * A service that fails is reported in its slot and turns the answer into a 502 carrying the
 * others' data, because a partial view still helps the operator who asked.
 */
async function aggregate(c: Context<GatewayEnv>, path: string): Promise<Response> {
  const search = new URL(c.req.url).search;
  const answers = await Promise.all(
    SERVICES.map(async (service): Promise<[ServiceName, unknown, boolean]> => {
      try {
        const res = await callService(c.env, service, path + search, {
          headers: { [REQUEST_ID_HEADER]: c.get("requestId"), accept: "application/json" },
        });
        const body: unknown = await res.json().catch(() => null);
        if (res.ok && body !== null) return [service, body, true];
        const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
        return [
          service,
          {
            error: {
              code: error?.code ?? "UPSTREAM_ERROR",
              message: error?.message ?? `answered ${res.status}`,
              status: res.status,
            },
          },
          false,
        ];
      } catch (error) {
        const e = error instanceof HttpError ? error : undefined;
        return [
          service,
          {
            error: {
              code: e?.code ?? "UPSTREAM_UNAVAILABLE",
              message: e?.message ?? String(error),
            },
          },
          false,
        ];
      }
    }),
  );
  const services = Object.fromEntries(answers.map(([service, answer]) => [service, answer]));
  const failed = answers.filter(([, , ok]) => !ok).map(([service]) => service);
  if (failed.length === 0) return c.json({ services });
  return c.json(
    {
      error: {
        code: "UPSTREAM_FAILED",
        message: `${failed.join(", ")} did not answer ${path}`,
        details: failed.map((service) => ({ path: `services.${service}`, message: "failed" })),
      },
      services,
    },
    502,
  );
}
