import { catalog } from "@edge-saga/contracts";
import {
  OutboxRelay as BaseOutboxRelay,
  createInboxConsumer,
  kitAdminRoutes,
  notFound,
  onError,
  runMaintenance,
} from "@edge-saga/shared";
import { Hono } from "hono";
import { database } from "./db/client";
import { handlers } from "./handlers";
import { adminProjection } from "./routes/admin-projection";
import { customers } from "./routes/customer-orders";

/** The view publishes nothing: its relay only holds the fault plan and answers the kit's admin routes. */
export class OutboxRelay extends BaseOutboxRelay<Env> {
  protected config() {
    return { db: this.env.DB, catalog, queues: {} };
  }
}

const app = new Hono<{ Bindings: Env }>()
  .route("/customers", customers)
  .route("/admin", adminProjection)
  .route(
    "/admin",
    kitAdminRoutes({ d1: (env: Env) => env.DB, relay: (env: Env) => env.OUTBOX_RELAY }),
  );
app.onError(onError);
app.notFound(notFound);

const consume = createInboxConsumer<Env>({ service: "view", catalog, db: database, handlers });

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await consume(batch, env);
  },
  scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY));
  },
} satisfies ExportedHandler<Env>;
