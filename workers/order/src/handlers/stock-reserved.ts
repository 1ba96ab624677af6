import type { Catalog } from "@edge-saga/contracts";
import type { EventOf } from "@edge-saga/shared";
import { sagaReplyHandler } from "./saga-reply";

/** Inventory holds every line of the order. */
export const stockReserved = sagaReplyHandler<EventOf<Catalog, "StockReserved">>(() => ({
  type: "StockReserved",
}));
