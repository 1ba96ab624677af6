import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { handlers } from "./handlers";
import { paymentEffects } from "./psp/payment-effects";
import { paymentRoutes, paymentSnapshot } from "./routes/payments";
import { pspFaults } from "./routes/psp-faults";
import { paymentShardOf } from "./shards";

const service = defineService({
  name: "payment",
  catalog,
  db: database,
  handlers,
  // The card processor's calls: recorded by the handlers, made by the relay with their keys.
  effects: paymentEffects,
  // On several shards: the order's, where its payment lives (and so its effects, by its relay).
  shardOf: paymentShardOf,
  routes: {
    "/": paymentRoutes,
    "/admin": paymentSnapshot,
    "/admin/psp": pspFaults,
  },
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
