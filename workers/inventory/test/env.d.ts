import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      INBOX_UNDER_TEST: Queue;
      /** A second shard's database (vitest.config.ts). */
      DB_1: D1Database;
    }
  }
}
