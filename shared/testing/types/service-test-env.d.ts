import type { D1Migration } from "cloudflare:test";

/**
 * The bindings serviceTestConfig (../config/service-vitest-config.ts) gives a service's tests
 * beside its own: the migrations to apply and a producer for its inbox queue. A service's
 * test/env.d.ts imports this and adds what its vitest.config.ts declares beyond it.
 */
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      INBOX_UNDER_TEST: Queue;
    }
  }
}
