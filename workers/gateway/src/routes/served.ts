import { registry } from "@edge-saga/contracts/http";
import type { RouteConfig } from "@hono/zod-openapi";
import type { Hono, MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../types";

/**
 * One public route, declared once: its OpenAPI description (schemas, answers, docs) and the
 * middleware and handler that serve it. `mount` serves it and puts it in the document, so the
 * document lists exactly what the app serves. The gateway validates only ids and bodies'
 * form here; the services validate the rest with the same contracts schemas.
 */
export interface Served {
  config: RouteConfig;
  /** Hono's path when `{param}` -> `:param` is not enough (a pattern, a wildcard). */
  honoPath?: string;
  /** Methods served when not only the documented one (a forward of whatever comes). */
  methods?: string[];
  handlers: MiddlewareHandler<GatewayEnv>[];
}

export const served = (
  config: RouteConfig,
  ...handlers: MiddlewareHandler<GatewayEnv>[]
): Served => ({ config, handlers });

export const servedAt = (
  at: { path: string; methods?: string[] },
  config: RouteConfig,
  ...handlers: MiddlewareHandler<GatewayEnv>[]
): Served => ({ config, honoPath: at.path, methods: at.methods, handlers });

/** Serves every route on `app` and describes it in the gateway's OpenAPI registry. */
export function mount(app: Hono<GatewayEnv>, routes: readonly Served[]): void {
  for (const { config, honoPath, methods, handlers } of routes) {
    registry.registerPath(config);
    const path = honoPath ?? config.path.replace(/\{(\w+)\}/g, ":$1");
    app.on(methods ?? [config.method.toUpperCase()], [path], ...handlers);
  }
}
