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
import { handlers } from "./handlers";
import { customers } from "./routes/customers";

/** Publishes this service's outbox to the inbox queue of every subscriber. */
export class OutboxRelay extends BaseOutboxRelay<Env> {
  protected config() {
    return { db: this.env.DB, catalog, queues: { order: this.env.ORDER_INBOX } };
  }
}

/**
 * Our namespace as the kit's non-generic helpers type it: TypeScript holds a namespace of
 * the subclass not assignable to one of the base class (pokeRelay is generic and needs no cast).
 */
const kitRelay = (env: Env) => env.OUTBOX_RELAY as unknown as Parameters<typeof runMaintenance>[1];

const app = new Hono<{ Bindings: Env }>()
  .route("/customers", customers)
  .route("/admin", kitAdminRoutes<Env>({ db: database, relay: kitRelay }));
app.onError(onError);
app.notFound(notFound);

const consume = createInboxConsumer<Env>({
  service: "rewards",
  catalog,
  db: database,
  handlers,
  afterCommit: (env) => pokeRelay(env.OUTBOX_RELAY),
});

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consume(batch, env);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env.DB, kitRelay(env)));
  },
} satisfies ExportedHandler<Env>;
