import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** Shard 1's database, for the two-shard tests (vitest.config.ts). */
      DB_1: D1Database;
      INBOX_UNDER_TEST: Queue;
      MIGRATION_DB: D1Database;
    }
  }
}
