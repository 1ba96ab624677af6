import type { D1Migration } from "cloudflare:test";
import type { OutboxRelay } from "../sharded-worker/src/index";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../sharded-worker/src/index");
    }
    interface Env {
      DB: D1Database;
      DB_1: D1Database;
      SHARDS: string;
      OUTBOX_RELAY: DurableObjectNamespace<OutboxRelay>;
      KEEPER_INBOX: Queue;
      PLANNER_INBOX: Queue;
      TEST_MIGRATIONS: D1Migration[];
      LOG_LEVEL: string;
    }
  }
}
