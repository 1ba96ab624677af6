import { catalog, WRITE_PATHS } from "@edge-saga/contracts";
import { honoPath, orderRoutes } from "@edge-saga/contracts/http";
import { type Envelope, onError } from "@edge-saga/shared";
import { BENCH_BASELINE_HEADER } from "@edge-saga/shared/bench";
import { Hono } from "hono";
import { placeOrderRoute } from "../src/routes/orders";

/**
 * The order service's bench baselines, served only by its bench entry (the local stack writes
 * it when BENCH_BASELINES_ENABLED is "true", shared/bench/bench-worker.ts); the production
 * entry never imports this file.
 *
 * "Direct publish": the order is committed without an outbox row and OrderPlaced is sent to
 * the queues inside the request. Unsafe (a crash between the commit and the send loses the
 * event), so it exists only here, and only when the request asks for it.
 */
const directPublish = placeOrderRoute({ direct: (c, event) => publishDirectly(c.env, event) });
directPublish.onError(onError);

/**
 * The bench's write paths side by side in one run (`x-bench-baseline: outbox|cdc|self-read`):
 * the production route with the path given instead of the WRITE_PATH var.
 */
const byWritePath = Object.fromEntries(
  WRITE_PATHS.map((path) => {
    const app = placeOrderRoute({ writePath: path });
    app.onError(onError);
    return [path, app];
  }),
);

/**
 * Tried before the service's routes (`benchWorker(..., { routes: benchRoutes })`): a request
 * that names a baseline goes to its app, any other to the service (`next()`).
 */
export const benchRoutes = new Hono<{ Bindings: Env }>().post(
  honoPath(orderRoutes.placeOrder),
  (c, next) => {
    const baseline = c.req.header(BENCH_BASELINE_HEADER) ?? "";
    if (baseline === "direct-publish") return directPublish.fetch(c.req.raw, c.env, c.executionCtx);
    const path = Object.hasOwn(byWritePath, baseline) ? byWritePath[baseline] : undefined;
    return path ? path.fetch(c.req.raw, c.env, c.executionCtx) : next();
  },
);

async function publishDirectly(env: Env, event: Envelope): Promise<void> {
  const queues: Record<string, Queue> = {
    inventory: env.INVENTORY_INBOX,
    rewards: env.REWARDS_INBOX,
  };
  await Promise.all(
    catalog
      .subscribersOf(event.type)
      .map((service) => queues[service]?.send(event, { contentType: "json" })),
  );
}
