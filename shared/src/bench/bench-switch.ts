import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono, MiddlewareHandler } from "hono";
import { type KitAdminOptions, refuse } from "../admin/admin-options";
import { benchRouteDefinitions } from "../admin/admin-route-definitions";
import { notFound, onError } from "../http/errors";
import type { OutboxRelay } from "../relay/outbox-relay";
import { benchBaselinesEnabled } from "./baselines";

/**
 * The bench switch: the one place production wiring touches bench/. It puts a guard on the
 * bench routes' paths under `at` that answers 404 `BENCH_BASELINES_DISABLED` unless the
 * Worker's BENCH_BASELINES_ENABLED is "true"; only then are the bench routes (bench-routes.ts,
 * with the D1 and queue counters) imported, once per isolate, and served.
 * @example mountBenchRoutes(app, "/admin", { d1: (env) => env.DB, relay: (env) => env.OUTBOX_RELAY })
 */
// biome-ignore lint/suspicious/noExplicitAny: any app, any relay subclass
export function mountBenchRoutes<E extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  // biome-ignore lint/suspicious/noExplicitAny: any app, whatever its routes' types
  app: Hono<any, any, any>,
  at: string,
  options: KitAdminOptions<E, T>,
): void {
  let served: Promise<OpenAPIHono> | undefined;
  const load = async () => {
    const { benchRoutes } = await import("./bench-routes");
    const bench = new OpenAPIHono().route(at || "/", benchRoutes(options));
    bench.onError(onError);
    bench.notFound(notFound);
    return bench;
  };
  const guard: MiddlewareHandler = async (c) => {
    if (!benchBaselinesEnabled(c.env))
      return refuse(
        c,
        404,
        "BENCH_BASELINES_DISABLED",
        "benchmark baselines are not enabled (BENCH_BASELINES_ENABLED is not true)",
      );
    served ??= load();
    return (await served).fetch(c.req.raw, c.env, executionContextOf(c));
  };
  for (const { path } of Object.values(benchRouteDefinitions)) app.use(`${at}${path}`, guard);
}

/** The request's ExecutionContext; Hono throws when there is none (a test calling `fetch`). */
function executionContextOf(c: Parameters<MiddlewareHandler>[0]): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}
