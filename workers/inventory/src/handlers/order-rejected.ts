import type { Catalog } from "@edge-saga/contracts";
import type { EventHandler, EventOf } from "@edge-saga/shared";
import { settleReservation } from "./settle-reservation";

/** Compensation: held units go back; arriving before OrderPlaced, it leaves a tombstone. */
export const orderRejected: EventHandler<Env, EventOf<Catalog, "OrderRejected">> = (
  event,
  { db },
) => settleReservation(db, event.payload.orderId, "rejected", event.payload.reason);
