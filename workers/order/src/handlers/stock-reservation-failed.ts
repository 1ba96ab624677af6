import type { Catalog } from "@edge-saga/contracts";
import type { EventOf } from "@edge-saga/shared";
import { sagaReplyHandler } from "./saga-reply";

/** Inventory could not reserve the order (it holds nothing for it): the order is rejected. */
export const stockReservationFailed = sagaReplyHandler<EventOf<Catalog, "StockReservationFailed">>(
  (event) => ({
    type: "StockReservationFailed",
    reason: event.payload.reason,
  }),
);
