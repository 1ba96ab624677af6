import "@edge-saga/kit-testing/service-test-env";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Shard 1's database, for the two-shard tests (vitest.config.ts). */
      DB_1: D1Database;
    }
  }
}
