import { pointsAwarded } from "./points-awarded";
import { pointsReservationFailed } from "./points-reservation-failed";
import { pointsReserved } from "./points-reserved";
import { productUpserted } from "./product-upserted";
import { stockReservationFailed } from "./stock-reservation-failed";
import { stockReserved } from "./stock-reserved";

/**
 * One handler per event type the order service consumes (see the catalog's subscribers);
 * defineService's types refuse a missing or an extra one.
 */
export const handlers = {
  ProductUpserted: productUpserted,
  StockReserved: stockReserved,
  StockReservationFailed: stockReservationFailed,
  PointsReserved: pointsReserved,
  PointsReservationFailed: pointsReservationFailed,
  PointsAwarded: pointsAwarded,
};
