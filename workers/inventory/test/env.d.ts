import "@edge-saga/kit-testing/service-test-env";

declare global {
  namespace Cloudflare {
    interface Env {
      /** A second shard's database (vitest.config.ts). */
      DB_1: D1Database;
    }
  }
}
