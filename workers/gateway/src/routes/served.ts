import {
  ADMIN_SECURITY,
  CUSTOMER_SECURITY,
  honoPath,
  pathOf,
  registry,
} from "@edge-saga/contracts/http";
import { HttpError } from "@edge-saga/shared";
import type { RouteConfig } from "@hono/zod-openapi";
import type { Handler, Hono, MiddlewareHandler } from "hono";
import { ADMIN_PREFIX, requireAdmin } from "../middleware/admin-auth";
import { requireCaller } from "../middleware/caller-auth";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { BoundService, GatewayEnv } from "../types";

/**
 * One public route, declared once: its OpenAPI description (schemas, answers, docs) and the
 * middleware and handler that serve it. `mount` serves it and puts it in the document, so the
 * document lists exactly what the app serves. The gateway validates only ids and bodies'
 * form here; the services validate the rest with the same route definitions.
 */
/** A step of a route: a middleware that calls on, or the handler that answers. */
type Step = MiddlewareHandler<GatewayEnv> | Handler<GatewayEnv>;

export interface Served {
  config: RouteConfig;
  /** Hono's path when `{param}` -> `:param` is not enough (a pattern, a wildcard). */
  honoPath?: string;
  /** Methods served when not only the documented one (a forward of whatever comes). */
  methods?: string[];
  handlers: Step[];
}

export const served = (config: RouteConfig, ...handlers: Step[]): Served => ({ config, handlers });

export const servedAt = (
  at: { path: string; methods?: string[] },
  config: RouteConfig,
  ...handlers: Step[]
): Served => ({ config, honoPath: at.path, methods: at.methods, handlers });

/**
 * Who may call the route, from its definition's `security`: a customer operation (customerBearer,
 * with adminBearer beside it) takes a customer's access token or the admin token; an admin-only
 * one the admin token alone (`/admin/*` is guarded as a whole in app.ts); `security: []` anyone.
 */
export function guardOf(config: RouteConfig): MiddlewareHandler<GatewayEnv>[] {
  const schemes = new Set(
    (config.security ?? []).flatMap((requirement) => Object.keys(requirement)),
  );
  if (schemes.has(CUSTOMER_SECURITY)) return [requireCaller];
  if (schemes.has(ADMIN_SECURITY) && !config.path.startsWith(ADMIN_PREFIX)) return [requireAdmin];
  return [];
}

/** What the route's definition asks of the request: ids for its path parameters, a JSON body of
 * at most 64 KB for a method that may carry one (required when the route says so). */
export function inputChecksOf(config: RouteConfig): MiddlewareHandler<GatewayEnv>[] {
  return [
    ...(config.request?.params ? [validIds] : []),
    ...(config.method === "get"
      ? []
      : [jsonBody({ required: config.request?.body?.required ?? false })]),
  ];
}

/** Everything the route's definition asks before a forward: the caller first, then the input. */
export function checksOf(config: RouteConfig): MiddlewareHandler<GatewayEnv>[] {
  return [...guardOf(config), ...inputChecksOf(config)];
}

/**
 * A route the gateway forwards to `service` at the route's own path, its parameters filled in
 * from the checked request: the service serves the same definition (one path, one place).
 * `middleware` runs once the caller is known and before the input checks (e.g. a rate limit per
 * customer that must not wait for the body).
 */
export const proxied = (
  config: RouteConfig,
  service: BoundService,
  ...middleware: MiddlewareHandler<GatewayEnv>[]
): Served =>
  served(config, ...guardOf(config), ...middleware, ...inputChecksOf(config), (c) =>
    forward(c, service, pathOf(config, c.req.param() as Record<string, string>)),
  );

/** The order `Allow` lists methods in: reads first, as RFC 9110 lists them. */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * Serves every route on `app`, describes it in the gateway's OpenAPI registry, and answers any
 * other method on a path it serves with 405 `METHOD_NOT_ALLOWED` and `Allow`, which lists the
 * methods the routes of that path serve.
 */
export function mount(app: Hono<GatewayEnv>, routes: readonly Served[]): void {
  const allowed = new Map<string, Set<string>>();
  for (const { config, honoPath: at, methods, handlers } of routes) {
    registry.registerPath(config);
    const path = at ?? honoPath(config);
    const served = methods ?? [config.method.toUpperCase()];
    app.on(served, [path], ...handlers);
    allowed.set(path, new Set([...(allowed.get(path) ?? []), ...served]));
  }
  // After every route: Hono runs handlers in the order they were added, so these answer only
  // when no route of the path took the method (HEAD is served wherever GET is).
  for (const [path, methods] of allowed) {
    const allow = METHOD_ORDER.filter((method) => methods.has(method)).join(", ");
    app.all(path, (c) => {
      throw new HttpError(
        405,
        "METHOD_NOT_ALLOWED",
        `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`,
        undefined,
        { allow },
      );
    });
  }
}
