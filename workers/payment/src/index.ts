import { catalog } from "@edge-saga/contracts";
import { defineService } from "@edge-saga/shared";
import { database } from "./db/client";
import { handlers } from "./handlers";
import { paymentEffects } from "./psp/payment-effects";
import { paymentRoutes, paymentSnapshot } from "./routes/payments";
import { pspFaults } from "./routes/psp-faults";

const service = defineService({
  name: "payment",
  catalog,
  db: database,
  handlers,
  // The card processor's calls: recorded by the handlers, made by the relay with their keys.
  effects: paymentEffects,
  routes: {
    "/": paymentRoutes,
    "/admin": paymentSnapshot,
    "/admin/psp": pspFaults,
  },
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
