import { parseShards } from "../../../scripts/lib/shards";

/**
 * D1 databases per stateful service of every stack the e2e suite starts: `E2E_SHARDS` (1 to
 * 256), default 1. `E2E_SHARDS=4 npm run test:e2e` runs the same black-box suites sharded.
 */
export function e2eShards(): number {
  return parseShards(process.env.E2E_SHARDS, "E2E_SHARDS");
}
