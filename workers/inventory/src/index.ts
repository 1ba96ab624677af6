import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { pruneTombstones } from "./db/prune-tombstones";
import { handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { products } from "./routes/products";
import { inventoryShardsOf } from "./shards/event-shards";

const service = defineService({
  name: "inventory",
  catalog,
  db: database,
  handlers,
  routes: { "/": products, "/admin": adminSnapshot },
  // Stock is keyed by SKU, not by order: see event-shards.ts.
  shardOf: inventoryShardsOf,
  // On several shards, the tombstones the outcomes leave on shards an order never used.
  scheduled: (env) => pruneTombstones(env),
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
