import { catalog } from "@edge-saga/contracts";
import { BENCH_BASELINE_HEADER, benchBaselinesEnabled, type Envelope } from "@edge-saga/shared";
import type { Context } from "hono";

/**
 * The "direct publish" baseline of `npm run bench`: the order is committed without an
 * outbox row and OrderPlaced is sent to the queues inside the request. Unsafe (a crash
 * between the commit and the send loses the event) and only reachable when
 * BENCH_BASELINES_ENABLED is "true" (see shared/src/bench/baselines.ts).
 */
export function directPublishBaseline(c: Context<{ Bindings: Env }>): boolean {
  return benchBaselinesEnabled(c.env) && c.req.header(BENCH_BASELINE_HEADER) === "direct-publish";
}

export async function publishDirectly(env: Env, event: Envelope): Promise<void> {
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
