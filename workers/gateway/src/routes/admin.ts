import { adminRoutes } from "@edge-saga/contracts/http";
import { HttpError } from "@edge-saga/shared";
import { jsonBody } from "../middleware/json-body";
import { isId } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { BoundService } from "../types";
import { proxied, type Served, servedAt } from "./served";

/**
 * Everything under `/admin` needs the admin token, unknown paths included (app.ts guards the
 * prefix: 401/403 before 404, so the admin surface is not probeable without the token).
 * - `GET /admin/consistency`, `/admin/outbox`, `/admin/dead-letters`, `/admin/stats`: the
 *   operations Worker's checker and its side-by-side views of every service's kit route.
 * - `/admin/{order|inventory|rewards|payment|view}/...`: one service's own admin routes (e.g. a dead-letter
 *   replay, a replay of its outbox, the view's rebuild), forwarded to its `/admin/...`; every
 *   segment must be an id.
 */
export const admin: Served[] = [
  proxied(adminRoutes.getAdminOutbox, "operations"),
  proxied(adminRoutes.getAdminDeadLetters, "operations"),
  proxied(adminRoutes.getAdminStats, "operations"),
  proxied(adminRoutes.getAdminConsistency, "operations"),
  // Documented as GET and POST (what the services' admin routes use); forwarded whatever the
  // method, so a service's own admin verbs (the dev-only fault plans' PUT and DELETE) pass.
  ...(["get", "post"] as const).map((method) =>
    servedAt(
      {
        path: "/admin/:service{order|inventory|rewards|payment|view}/*",
        methods: method === "get" ? ["GET"] : ["POST", "PUT", "PATCH", "DELETE"],
      },
      adminRoutes[method === "get" ? "getServiceAdmin" : "postServiceAdmin"],
      jsonBody({ required: false }),
      forwardToServiceAdmin,
    ),
  ),
];

/** `/admin/{service}/{path}` -> that service's `/admin/{path}`, each segment an id. */
function forwardToServiceAdmin(c: Parameters<typeof forward>[0]) {
  const service = c.req.param("service") as BoundService;
  // The raw path, not Hono's decoded one: a `%2F` must fail here, not become a separator.
  const segments = new URL(c.req.url).pathname.split("/").slice(3);
  if (segments.length === 0 || !segments.every(isId)) {
    throw new HttpError(400, "VALIDATION_FAILED", "invalid admin path", [
      { path: "path", message: "each segment must match ^[A-Za-z0-9._-]{1,64}$" },
    ]);
  }
  return forward(c, service, `/admin/${segments.join("/")}`);
}
