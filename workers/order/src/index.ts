import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { Hono } from "hono";
import { database } from "./db/client";
import { pruneEarlyReplies } from "./db/early-replies";
import { pruneExpiredKeys } from "./db/idempotency-store";
import { handlers, ownEvents } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { benchRoutes } from "./routes/bench";
import { orders } from "./routes/orders";
import { recentOrders } from "./routes/recent-orders";
import { runSagaDeadline } from "./saga-deadline";
import { shardsOfEvent } from "./shard-keys";

const service = defineService({
  name: "order",
  catalog,
  db: database,
  handlers,
  ownEvents,
  // Saga answers and own events on their order's shard; the product catalogue copy on every one.
  shardOf: shardsOfEvent,
  routes: {
    // The bench guard first: it answers only bench-baseline requests (BENCH_BASELINES_ENABLED)
    // and passes the rest on to the public routes, which carry their contract paths (/orders...).
    "/": new Hono<{ Bindings: Env }>().route("/", benchRoutes).route("/", orders),
    "/admin": adminSnapshot,
    "/admin/orders/recent": recentOrders,
  },
  // The saga deadline: orders nobody answered in time are rejected, their events leave in this run.
  relay: { dueWork: runSagaDeadline },
  // Run once per shard with that shard's env (its DB), never a global one.
  scheduled: (env) => Promise.all([pruneExpiredKeys(env.DB), pruneEarlyReplies(database(env))]),
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
