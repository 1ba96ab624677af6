import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      INBOX_UNDER_TEST: Queue;
      MIGRATION_DB: D1Database;
      /** The second shard's database (shards.test.ts). */
      DB_1: D1Database;
    }
  }
}
