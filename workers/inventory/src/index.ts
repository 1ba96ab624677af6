import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { products } from "./routes/products";

const service = defineService({
  name: "inventory",
  catalog,
  db: database,
  handlers,
  routes: { "/": products, "/admin": adminSnapshot },
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
