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
import { customerOf, handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { customers } from "./routes/customers";

/** Publishes this service's outbox to the inbox queue of every subscriber. */
export class OutboxRelay extends BaseOutboxRelay<Env> {
  protected config() {
    return {
      db: this.env.DB,
      catalog,
      queues: { order: this.env.ORDER_INBOX, view: this.env.VIEW_INBOX },
    };
  }
}

const app = new Hono<{ Bindings: Env }>()
  .route("/customers", customers)
  .route("/admin/snapshot", adminSnapshot)
  .route(
    "/admin",
    kitAdminRoutes({ d1: (env: Env) => env.DB, relay: (env: Env) => env.OUTBOX_RELAY }),
  );
app.onError(onError);
app.notFound(notFound);

const consume = createInboxConsumer<Env>({
  service: "rewards",
  catalog,
  db: database,
  handlers,
  serializeBy: customerOf,
  afterCommit: (env, events) => pokeRelay(env.OUTBOX_RELAY, events),
});

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consume(batch, env);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY));
  },
} satisfies ExportedHandler<Env>;
