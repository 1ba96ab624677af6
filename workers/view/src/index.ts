import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { handlers } from "./handlers";
import { projectBatch } from "./kv/project-order-lists";
import { adminProjection } from "./routes/admin-projection";
import { customers } from "./routes/customer-orders";
import { viewShardOf } from "./shards";

// The view publishes nothing: its relay only holds the fault plan and answers the kit's admin routes.
const service = defineService({
  name: "view",
  catalog,
  db: database,
  handlers,
  routes: { "/": customers, "/admin": adminProjection },
  // On several shards: the order's (her customer's), and a product's on every one.
  shardOf: viewShardOf,
  // The customers' order lists in KV follow the committed D1 view, batch by batch.
  afterBatch: projectBatch,
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
