import type { Catalog } from "@edge-saga/contracts";
import type { EventHandler, EventOf } from "@edge-saga/shared";
import { settleReservation } from "./settle-reservation";

/**
 * Held units become sold. Only a RESERVED reservation moves: the order confirms only
 * after StockReserved, and a cancel that got here first already gave the units back.
 */
export const orderConfirmed: EventHandler<Env, EventOf<Catalog, "OrderConfirmed">> = (
  event,
  { db },
) => settleReservation(db, event.payload.orderId, "confirmed");
