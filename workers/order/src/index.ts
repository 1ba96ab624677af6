import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { pruneExpiredKeys } from "./db/idempotency-store";
import { handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { benchRoutes } from "./routes/bench";
import { orders } from "./routes/orders";
import { recentOrders } from "./routes/recent-orders";
import { runSagaDeadline } from "./saga-deadline";

const service = defineService({
  name: "order",
  catalog,
  db: database,
  handlers,
  routes: {
    // First: answers only bench-baseline requests (BENCH_BASELINES_ENABLED), passes the rest on.
    "/": benchRoutes,
    "/orders": orders,
    "/admin/snapshot": adminSnapshot,
    "/admin/orders/recent": recentOrders,
  },
  // The saga deadline: orders nobody answered in time are rejected, their events leave in this run.
  relay: { dueWork: runSagaDeadline },
  scheduled: (env) => pruneExpiredKeys(env.DB),
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
