import { adminRoutes, honoPath, kitAdminGatewayRoutes } from "@edge-saga/contracts/http";
import { HttpError } from "@edge-saga/shared";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { jsonBody } from "../middleware/json-body";
import { isId } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { BoundService, GatewayEnv } from "../types";
import { checksOf, proxied, type Served, servedAt } from "./served";

/** The services with admin routes, as Hono's pattern for `:service` (another name is a 404). */
const SERVICE = ":service{order|inventory|rewards|payment|view}";

/**
 * The kit's admin routes of every service (stats, outbox, dead letters, faults, replay...), one
 * definition each from the contract: served at their own method and path, so the document lists
 * them and another method on their path is a 405, then forwarded like any service admin path.
 */
const kit: Served[] = Object.values(kitAdminGatewayRoutes).map((route) =>
  servedAt(
    { path: honoPath(route).replace(":service", SERVICE) },
    route,
    ...checksOf(route),
    forwardToServiceAdmin,
  ),
);
const kitPaths = new Set(kit.map((route) => route.honoPath));

/**
 * A step of the catch-all forward that stands aside on a kit route's path (reached with a method
 * that route does not serve), so the 405 `mount` adds for that path answers, not the service.
 */
const offKitPaths =
  (step: MiddlewareHandler<GatewayEnv>): MiddlewareHandler<GatewayEnv> =>
  (c, next) =>
    matchedRoutes(c).some((route) => kitPaths.has(route.path)) ? next() : step(c, next);

/**
 * Everything under `/admin` needs the admin token, unknown paths included (app.ts guards the
 * prefix: 401/403 before 404, so the admin surface is not probeable without the token).
 * - `GET /admin/consistency`, `/admin/outbox`, `/admin/dead-letters`, `/admin/stats`: the
 *   operations Worker's checker and its side-by-side views of every service's kit route; and
 *   `POST /admin/dead-letters/replay|discard`, `GET /admin/dead-letters/audit` (bulk, by filter).
 * - `/admin/{order|inventory|rewards|payment|view}/...`: one service's own admin routes (e.g. a dead-letter
 *   replay, a replay of its outbox, the view's rebuild), forwarded to its `/admin/...`; every
 *   segment must be an id.
 */
export const admin: Served[] = [
  proxied(adminRoutes.getAdminOutbox, "operations"),
  proxied(adminRoutes.getAdminDeadLetters, "operations"),
  proxied(adminRoutes.getAdminStats, "operations"),
  proxied(adminRoutes.getAdminConsistency, "operations"),
  proxied(adminRoutes.replayAdminDeadLetters, "operations"),
  proxied(adminRoutes.discardAdminDeadLetters, "operations"),
  proxied(adminRoutes.getAdminDeadLetterAudit, "operations"),
  // Before the catch-all: Hono tries routes in the order they were added.
  ...kit,
  // A service's own admin routes (e.g. the view's rebuild): documented as GET and POST,
  // forwarded whatever the method, so a service's own admin verbs pass.
  ...(["get", "post"] as const).map((method) =>
    servedAt(
      {
        path: `/admin/${SERVICE}/*`,
        methods: method === "get" ? ["GET"] : ["POST", "PUT", "PATCH", "DELETE"],
      },
      adminRoutes[method === "get" ? "getServiceAdmin" : "postServiceAdmin"],
      offKitPaths(jsonBody({ required: false })),
      offKitPaths(forwardToServiceAdmin),
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
