import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { pruneEarlyReplies } from "./db/early-replies";
import { pruneExpiredKeys } from "./db/idempotency-store";
import { handlers, ownEvents } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
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
    // The public routes carry their contract paths (/orders...). The bench's baselines are in
    // bench/bench-routes.ts, served only by the bench entry the local stack writes.
    "/": orders,
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
