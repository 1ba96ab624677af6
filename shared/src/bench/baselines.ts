/**
 * The comparison modes `npm run bench` measures our design against. Both are unsafe by
 * design (they lose events on a crash, or add latency), so they exist only when the
 * Worker's `BENCH_BASELINES_ENABLED` is exactly "true": nothing sets it in any
 * wrangler.toml, the local stack writes it into temporary config copies, and
 * `npm run deploy` refuses a config that defines it.
 * - "direct publish": the producer sends to the queue inside the request, no outbox
 *   (request header `x-bench-baseline: direct-publish`, per request);
 * - "polling relay": the relay ignores pokes and drains only every N ms (per relay,
 *   `PUT /admin/bench-baseline`).
 */
export function benchBaselinesEnabled(env: unknown): boolean {
  return (
    typeof env === "object" &&
    env !== null &&
    (env as { BENCH_BASELINES_ENABLED?: unknown }).BENCH_BASELINES_ENABLED === "true"
  );
}

export const BENCH_BASELINE_HEADER = "x-bench-baseline";
