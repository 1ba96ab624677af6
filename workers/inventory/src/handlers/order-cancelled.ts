import type { Catalog } from "@edge-saga/contracts";
import type { EventHandler, EventOf } from "@edge-saga/shared";
import { settleReservation } from "./settle-reservation";

/**
 * Held or sold units go back, whatever state the order reached here, including a
 * cancel that arrives before the order (a tombstone).
 */
export const orderCancelled: EventHandler<Env, EventOf<Catalog, "OrderCancelled">> = (
  event,
  { db },
) => settleReservation(db, event.payload.orderId, "cancelled");
