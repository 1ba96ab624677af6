import type { D1Migration } from "cloudflare:test";
import type { TestRelay } from "./worker/src/index";

declare global {
  interface Env {
    DB: D1Database;
    RELAY: DurableObjectNamespace<TestRelay>;
    TEST_INBOX: Queue;
    AUDIT_INBOX: Queue;
    TEST_MIGRATIONS: D1Migration[];
    LOG_LEVEL: string;
    FAULTS_ENABLED?: string;
    BENCH_BASELINES_ENABLED?: string;
  }
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("./worker/src/index");
    }
    interface Env {
      DB: D1Database;
      RELAY: DurableObjectNamespace<TestRelay>;
      TEST_INBOX: Queue;
      AUDIT_INBOX: Queue;
      AUDIT_INBOX: Queue;
      TEST_MIGRATIONS: D1Migration[];
      LOG_LEVEL: string;
      FAULTS_ENABLED?: string;
      BENCH_BASELINES_ENABLED?: string;
      BENCH_BASELINES_ENABLED?: string;
    }
  }
}
