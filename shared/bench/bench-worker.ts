import { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { onError } from "../src/http/errors";
import type { OutboxRelay } from "../src/relay/outbox-relay";
import { everyShard } from "../src/shards/shard-env";
import { benchBaselinesEnabled } from "./baselines";
import { benchRoutes } from "./bench-routes";
import { countD1Calls } from "./d1-calls";
import { countDurableObjectRequests, countInvocation, countQueueBatch } from "./invocations";
import { pollingRelay } from "./polling-baseline";
import { countQueueMessages } from "./queue-messages";

/**
 * The bench entry of a service: what `npm run bench`'s local stack runs instead of the
 * service's own entry (scripts/lib/local-stack.ts writes a module that imports the real entry
 * and wraps it with these). A production entry imports none of this: the bench counts, the
 * bench routes and the baselines exist only in a bench entry, and only while the Worker's
 * BENCH_BASELINES_ENABLED is "true" (baselines.ts); otherwise it is the service, untouched.
 */

/**
 * Starts the isolate's counters on this env's bindings (once), and ties its D1 shards to their
 * numbers. `stubs`: count Durable Object requests too (their stubs become counting proxies).
 */
function startCounting(env: unknown, stubs = true): void {
  if (typeof env !== "object" || env === null) return;
  const shards = everyShard(env)
    .map((shard) => shard.DB)
    .filter((db): db is D1Database => typeof db?.prepare === "function");
  const [first] = shards;
  if (first) countD1Calls(first, shards);
  countQueueMessages(env);
  if (stubs) countDurableObjectRequests(env);
}

/** The relays' namespace where a service binds it by convention. */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass (its RPC type is too deep to infer)
function conventionalRelay(env: unknown): DurableObjectNamespace<any> {
  return (env as { OUTBOX_RELAY: DurableObjectNamespace }).OUTBOX_RELAY;
}

/** The request's ExecutionContext; Hono throws when there is none (a test calling `fetch`). */
function executionContextOf(c: { executionCtx: unknown }): ExecutionContext | undefined {
  try {
    return c.executionCtx as ExecutionContext;
  } catch {
    return undefined;
  }
}

export interface BenchWorkerOptions<E = unknown> {
  /** Where the service's admin routes are, and so the bench's. Default "/admin". */
  admin?: string;
  /** The relays' namespace. Default: the conventional `OUTBOX_RELAY` binding. */
  // biome-ignore lint/suspicious/noExplicitAny: any relay subclass (stubs are typed invariantly)
  relay?: (env: E) => DurableObjectNamespace<any>;
  /**
   * Count Durable Object fetch and RPC calls (default true): stubs become counting proxies,
   * which a test runtime's `runInDurableObject` refuses, so test Workers that use it say false.
   */
  countDurableObjectRequests?: boolean;
  /**
   * A service's own bench routes (the order service's baselines), tried before the service:
   * a handler that does not answer calls `next()` and the request goes to the service.
   */
  // biome-ignore lint/suspicious/noExplicitAny: any app, whatever its routes' types
  routes?: Hono<any, any, any>;
}

/**
 * `worker` (a service's default export) with the bench: its invocations counted by kind, the
 * bench routes served under `admin` (bench-routes.ts), `routes` before the service's own.
 * @example export default benchWorker(service.default, { routes: orderBenchRoutes });
 */
export function benchWorker<E>(
  worker: ExportedHandler<E>,
  options: BenchWorkerOptions<E> = {},
): ExportedHandler<E> {
  const stubs = options.countDurableObjectRequests ?? true;
  const app = new OpenAPIHono<{ Bindings: E & object }>();
  // The counts and the polling baseline: bench traffic, so not counted as the service's.
  const relay = options.relay ?? conventionalRelay;
  app.route(
    options.admin ?? "/admin",
    benchRoutes<E & object>({ d1: (env) => (env as unknown as { DB: D1Database }).DB, relay }),
  );
  app.use("*", async (_c, next) => {
    countInvocation("fetch");
    await next();
  });
  if (options.routes) app.route("/", options.routes);
  app.all("*", (c) => {
    if (!worker.fetch) return c.notFound();
    return worker.fetch(c.req.raw as never, c.env, executionContextOf(c) as ExecutionContext);
  });
  app.onError(onError);

  const counted: ExportedHandler<E> = {};
  if (worker.fetch) {
    const fetch = worker.fetch;
    counted.fetch = (request, env, ctx) => {
      if (!benchBaselinesEnabled(env)) return fetch(request, env, ctx);
      startCounting(env, stubs);
      return app.fetch(request as Request, env as E & object, ctx);
    };
  }
  if (worker.queue) {
    const queue = worker.queue;
    counted.queue = async (batch, env, ctx) => {
      if (!benchBaselinesEnabled(env)) return queue(batch, env, ctx);
      startCounting(env, stubs);
      const { batch: observed, settled } = countQueueBatch(batch);
      try {
        await queue(observed, env, ctx);
      } catch (error) {
        settled(false);
        throw error;
      }
      settled(true);
    };
  }
  if (worker.scheduled) {
    const scheduled = worker.scheduled;
    counted.scheduled = (controller, env, ctx) => {
      if (benchBaselinesEnabled(env)) {
        startCounting(env, stubs);
        countInvocation("scheduled");
      }
      return scheduled(controller, env, ctx);
    };
  }
  return counted;
}

// biome-ignore lint/suspicious/noExplicitAny: any Durable Object class, whatever its constructor
type ObjectClass = abstract new (...args: any[]) => object;

/**
 * `Base` (a Durable Object class of the service) with its alarms counted and the isolate's
 * counters started on its env; its fetch and RPC calls are counted where they are made
 * (`countDurableObjectRequests`).
 * @example export const Sessions = benchDurableObject(service.Sessions);
 */
export function benchDurableObject<T extends ObjectClass>(Base: T): T {
  abstract class Counted extends Base {
    // biome-ignore lint/suspicious/noExplicitAny: the class's own constructor arguments
    constructor(...args: any[]) {
      super(...args);
      // Its stub calls are counted by the Worker's wrapper, which sets that choice.
      if (benchBaselinesEnabled(args[1])) startCounting(args[1], false);
    }
  }
  const alarm = (Base.prototype as { alarm?: unknown }).alarm;
  if (typeof alarm === "function")
    Object.defineProperty(Counted.prototype, "alarm", {
      value(this: { env?: unknown }, ...args: unknown[]) {
        if (benchBaselinesEnabled(this.env)) countInvocation("doAlarm");
        return Reflect.apply(alarm, this, args);
      },
      configurable: true,
      writable: true,
    });
  return Counted as T;
}

/**
 * A service's relay class for its bench entry: counted (`benchDurableObject`) and able to play
 * the polling baseline (polling-baseline.ts).
 * @example export const OutboxRelay = benchRelay(service.OutboxRelay);
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its constructor
export function benchRelay<T extends abstract new (...args: any[]) => OutboxRelay<any>>(Relay: T) {
  return benchDurableObject(pollingRelay(Relay));
}
