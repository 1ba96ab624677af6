import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { handlers } from "./handlers";

const service = defineService({
  name: "__NAME__",
  catalog,
  db: database,
  handlers,
  // Its own Hono apps by path, e.g. { "/things": things }; the kit's admin routes are at /admin.
  routes: {},
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
