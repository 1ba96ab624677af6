import "@edge-saga/kit-testing/service-test-env";

declare global {
  namespace Cloudflare {
    interface Env {
      MIGRATION_DB: D1Database;
      /** The second shard's database (shards.test.ts). */
      DB_1: D1Database;
    }
  }
}
