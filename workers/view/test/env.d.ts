import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      INBOX_UNDER_TEST: Queue;
      MIGRATION_DB: D1Database;
    }
  }
}
