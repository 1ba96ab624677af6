import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { customerOf, handlers } from "./handlers";
import { adminSnapshot } from "./routes/admin-snapshot";
import { customers } from "./routes/customers";
import { rewardsShardOf } from "./shards";

const service = defineService({
  name: "rewards",
  catalog,
  db: database,
  handlers,
  routes: { "/": customers, "/admin": adminSnapshot },
  // A customer's account is one ledger: its events apply one after another, whatever the saga.
  inbox: { serializeBy: customerOf },
  // On several shards: the customer's, where her account lives.
  shardOf: rewardsShardOf,
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
