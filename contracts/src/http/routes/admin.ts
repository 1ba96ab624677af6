import { kitAdminRouteDefinitions } from "@edge-saga/shared/admin-routes";
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { composites } from "../components";
import {
  adminOnly,
  BAD_ID,
  COMMON,
  errors,
  ID_RULE,
  json,
  requestBody,
  TAGS,
  withRequestId,
} from "../describe";
import { ServiceAdminAnswer, ServiceName } from "../schemas";
import { fleetDeadLetterRoutes } from "./dead-letters-admin";

/** `GET`/`POST /admin/{service}/{path}`: one service's own admin routes, forwarded. */
const serviceAdmin = (method: "get" | "post") =>
  createRoute({
    operationId: method === "get" ? "getServiceAdmin" : "postServiceAdmin",
    method,
    path: "/admin/{service}/{path}",
    tags: [TAGS.admin],
    summary: `${method.toUpperCase()} one service's admin route`,
    description:
      "Forwarded to the service's `/admin/{path}` with the query string and JSON body, e.g. " +
      "`GET /admin/order/outbox`, `GET /admin/rewards/dead-letters`, " +
      "`POST /admin/inventory/maintenance` (poke the relay and prune now), " +
      "`POST /admin/order/replay` (re-send the retained outbox to one subscriber), " +
      "`POST /admin/view/projection/rebuild` (empty the read model). The gateway forwards " +
      "any method; the services' admin routes use GET and POST. Admin only.",
    ...adminOnly,
    request: {
      params: z.object({
        service: z.enum([...ServiceName.options, "view"]),
        path: z.string().openapi({
          param: {
            description: `One or more \`/\`-separated segments, each matching \`${ID_RULE}\`.`,
            example: "outbox",
          },
        }),
      }),
      headers: withRequestId(),
      ...(method === "post"
        ? {
            body: requestBody(ServiceAdminAnswer, "Whatever the service's route takes.", false),
          }
        : {}),
    },
    responses: {
      200: json("The service's answer.", ServiceAdminAnswer),
      ...errors(
        {
          400: "`VALIDATION_FAILED`: a path segment is not an id (an encoded `/` included).",
          404: "`NOT_FOUND`: another service name, or the service has no such admin route.",
          413: COMMON[413],
          415: COMMON[415],
          502: "`UPSTREAM_UNAVAILABLE`: the service did not answer.",
        },
        true,
      ),
    },
  });

/** `/admin/*`: operator views and actions, admin token required. */
export const adminRoutes = {
  getAdminOutbox: createRoute({
    operationId: "getAdminOutbox",
    method: "get",
    path: "/admin/outbox",
    tags: [TAGS.admin],
    summary: "Outbox backlog of every service",
    description: "Each service's unpublished events and relay status, side by side. Admin only.",
    ...adminOnly,
    request: { headers: withRequestId() },
    responses: {
      200: json("Every service answered.", composites.AdminOutbox),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminOutboxPartial,
      ),
    },
  }),
  getAdminDeadLetters: createRoute({
    operationId: "getAdminDeadLetters",
    method: "get",
    path: "/admin/dead-letters",
    tags: [TAGS.admin],
    summary: "Dead letters of every service",
    description: "The newest 100 messages each service could not apply. Admin only.",
    ...adminOnly,
    request: { headers: withRequestId() },
    responses: {
      200: json("Every service answered.", composites.AdminDeadLetters),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminDeadLettersPartial,
      ),
    },
  }),
  getAdminStats: createRoute({
    operationId: "getAdminStats",
    method: "get",
    path: "/admin/stats",
    tags: [TAGS.admin],
    summary: "Operating figures of every service",
    description:
      "Per service: outbox backlog and the age of its oldest pending event, events published " +
      "and applied per minute, duplicates absorbed, retries, dead letters, and the relay's last " +
      "run and last error. `?minutes=` (1-1440, default 15) sets the per-minute window. Admin only.",
    ...adminOnly,
    request: {
      query: z.object({
        minutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(1440)
          .optional()
          .openapi({
            param: { description: "Minutes of per-minute figures, the current one included." },
          }),
      }),
      headers: withRequestId(),
    },
    responses: {
      200: json("Every service answered.", composites.AdminStats),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminStatsPartial,
      ),
    },
  }),
  getAdminConsistency: createRoute({
    operationId: "getAdminConsistency",
    method: "get",
    path: "/admin/consistency",
    tags: [TAGS.admin],
    summary: "Consistency report of the whole system",
    description:
      "Reads every service's state (orders, stock, reservations, accounts, ledger, payments, " +
      "outbox, dead letters) and the card processor sandbox's ledger, and checks design.md's " +
      "invariants 1-7 across services, on every shard of each (a violation names the shards " +
      "it was found on). Meaningful once the system " +
      "is quiet. `ok` is false when any invariant is broken; each violation names the ids " +
      "involved. Admin only.",
    ...adminOnly,
    request: { headers: withRequestId() },
    responses: {
      200: json(
        "The report (also when violations were found: look at `ok`).",
        z.object({
          ok: z.boolean(),
          checkedAt: z.iso.datetime(),
          counts: z.record(z.string(), z.unknown()),
          violations: z.array(
            z.object({
              invariant: z.number().int().min(1).max(7),
              message: z.string(),
              ids: z.array(z.string()),
              shards: z
                .array(z.object({ service: z.string(), shard: z.number().int().min(0) }))
                .optional()
                .openapi({ description: "On services with several shards: where it was found." }),
            }),
          ),
        }),
      ),
      ...errors(
        { 502: "`UPSTREAM_UNAVAILABLE` / `UPSTREAM_FAILED`: a service did not answer." },
        true,
      ),
    },
  }),
  // Bulk replay and discard by filter, and their audit, over the services.
  ...fleetDeadLetterRoutes,
  getServiceAdmin: serviceAdmin("get"),
  postServiceAdmin: serviceAdmin("post"),
};

type KitRouteName = keyof typeof kitAdminRouteDefinitions;
type ErrorStatus =
  Parameters<typeof errors>[0] extends Partial<Record<infer K, string>> ? K : never;

const ServiceParam = z.object({ service: z.enum([...ServiceName.options, "view"]) });

/**
 * One kit admin route (shared/src/admin/admin-route-definitions.ts) as the gateway forwards it:
 * `/admin/{service}` + the kit's path, admin only, its answers stamped like every gateway answer
 * and its refusals in the API's error shape (plus the gateway's own: token, upstream).
 */
function atGateway(name: KitRouteName): RouteConfig {
  const route: RouteConfig = kitAdminRouteDefinitions[name];
  const params = route.request?.params as z.ZodObject | undefined;
  const answers: RouteConfig["responses"] = {};
  const refusals: Partial<Record<ErrorStatus, string>> = {
    // The gateway checks that path parameters are ids before it forwards...
    ...(params ? { 400: BAD_ID } : {}),
    // And a body's size and type on a method that may carry one.
    ...(route.method === "get" ? {} : { 413: COMMON[413], 415: COMMON[415] }),
    404: "`NOT_FOUND`: another service name.",
    502: "`UPSTREAM_UNAVAILABLE`: the service did not answer.",
  };
  for (const [status, answer] of Object.entries(route.responses)) {
    const { description, content } = answer as {
      description: string;
      content?: { "application/json": { schema: z.ZodType } };
    };
    if (Number(status) >= 400) {
      const also = refusals[Number(status) as ErrorStatus];
      refusals[Number(status) as ErrorStatus] = also ? `${description} ${also}` : description;
    } else if (content) answers[status] = json(description, content["application/json"].schema);
  }
  return createRoute({
    ...route,
    operationId: `kit${name[0]?.toUpperCase()}${name.slice(1)}`,
    path: `/admin/{service}${route.path}`,
    tags: [TAGS.admin],
    description: `${(route.description ?? route.summary ?? "").replace(/\.?$/, ".")} The service's kit admin route, forwarded by the gateway. Admin only.`,
    ...adminOnly,
    request: {
      ...route.request,
      params: params ? ServiceParam.extend(params.shape) : ServiceParam,
      headers: withRequestId(),
    },
    responses: { ...answers, ...errors(refusals, true) },
  });
}

/**
 * The kit's admin routes of every service, as served under `/admin/{service}/...` (the
 * gateway forwards them with `getServiceAdmin`/`postServiceAdmin`'s forward); one definition
 * each, shared with the routers that serve them in the services.
 */
export const kitAdminGatewayRoutes = Object.fromEntries(
  (Object.keys(kitAdminRouteDefinitions) as KitRouteName[]).map((name) => [name, atGateway(name)]),
) as Record<KitRouteName, RouteConfig>;
