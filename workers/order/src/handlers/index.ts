import type { Catalog } from "@edge-saga/contracts";
import type { EventOf } from "@edge-saga/shared";
import { orderPlaced } from "./order-placed";
import { pointsAwarded } from "./points-awarded";
import { productUpserted } from "./product-upserted";
import { sagaReplyHandler } from "./saga-reply";

/**
 * One handler per event type the order service consumes (see the catalog's subscribers);
 * defineService's types refuse a missing or an extra one. The participants' answers all go
 * through the saga rules (saga-reply.ts).
 */
export const handlers = {
  ProductUpserted: productUpserted,
  StockReserved: sagaReplyHandler<EventOf<Catalog, "StockReserved">>(),
  StockReservationFailed: sagaReplyHandler<EventOf<Catalog, "StockReservationFailed">>(),
  PointsReserved: sagaReplyHandler<EventOf<Catalog, "PointsReserved">>(),
  PointsReservationFailed: sagaReplyHandler<EventOf<Catalog, "PointsReservationFailed">>(),
  PaymentAuthorized: sagaReplyHandler<EventOf<Catalog, "PaymentAuthorized">>(),
  PaymentDeclined: sagaReplyHandler<EventOf<Catalog, "PaymentDeclined">>(),
  PointsAwarded: pointsAwarded,
};

/** Its own events it reads back: OrderPlaced on the self-read path creates the order. */
export const ownEvents = { OrderPlaced: orderPlaced };
