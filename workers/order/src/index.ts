import { catalog } from "@edge-saga/contracts";
import {
  OutboxRelay as BaseOutboxRelay,
  createInboxConsumer,
  kitAdminRoutes,
  notFound,
  onError,
  pokeRelay,
  runMaintenance,
} from "@edge-saga/shared";
import { Hono } from "hono";
import { database } from "./db/client";
import { pruneExpiredKeys } from "./db/idempotency-store";
import { handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { orders } from "./routes/orders";
import { recentOrders } from "./routes/recent-orders";
import { runSagaDeadline } from "./saga-deadline";

/** Publishes this service's outbox to the inbox queue of every subscriber. */
export class OutboxRelay extends BaseOutboxRelay<Env> {
  protected config() {
    return {
      db: this.env.DB,
      catalog,
      queues: {
        inventory: this.env.INVENTORY_INBOX,
        rewards: this.env.REWARDS_INBOX,
        view: this.env.VIEW_INBOX,
      },
    };
  }

  /** The saga deadline: orders nobody answered in time are rejected, their events leave in this run. */
  protected override dueWork(now: number): Promise<number | null> {
    return runSagaDeadline(this.env, now);
  }
}

const app = new Hono<{ Bindings: Env }>()
  .route("/orders", orders)
  .route("/admin/snapshot", adminSnapshot)
  .route("/admin/orders/recent", recentOrders)
  .route(
    "/admin",
    kitAdminRoutes({ d1: (env: Env) => env.DB, relay: (env: Env) => env.OUTBOX_RELAY }),
  );
app.onError(onError);
app.notFound(notFound);

const consume = createInboxConsumer<Env>({
  service: "order",
  catalog,
  db: database,
  handlers,
  afterCommit: (env, events) => pokeRelay(env.OUTBOX_RELAY, events),
});

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consume(batch, env);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY));
    ctx.waitUntil(pruneExpiredKeys(env.DB));
  },
} satisfies ExportedHandler<Env>;
