/**
 * The comparison modes `npm run bench` measures our design against. Both are unsafe by
 * design (they lose events on a crash, or add latency), so they exist only in a bench entry
 * (bench-worker.ts), which the local stack writes, and which serves them only while the
 * Worker's `BENCH_BASELINES_ENABLED` is exactly "true": nothing sets it in any wrangler.toml,
 * and `npm run deploy` refuses a config that defines it. Production entries carry no bench code.
 * - "direct publish": the producer sends to the queue inside the request, no outbox
 *   (request header `x-bench-baseline: direct-publish`, per request; the order service's);
 * - "polling relay": the relay ignores pokes and drains only every N ms (per relay,
 *   `PUT /admin/bench-baseline`, polling-baseline.ts).
 */
export function benchBaselinesEnabled(env: unknown): boolean {
  return (
    typeof env === "object" &&
    env !== null &&
    (env as { BENCH_BASELINES_ENABLED?: unknown }).BENCH_BASELINES_ENABLED === "true"
  );
}

export { BENCH_BASELINE_HEADER } from "../src/http/caller";
