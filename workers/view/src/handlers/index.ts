import { orderCancelled, orderConfirmed, orderPlaced, orderRejected } from "./order-events";
import {
  pointsAwarded,
  productUpserted,
  stockReservationFailed,
  stockReserved,
} from "./participant-events";
import {
  paymentAuthorized,
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
} from "./payment-events";

/**
 * One handler per event type the view consumes (see the catalog's subscribers); defineService's
 * types refuse a missing or an extra one.
 */
export const handlers = {
  OrderPlaced: orderPlaced,
  OrderConfirmed: orderConfirmed,
  OrderRejected: orderRejected,
  OrderCancelled: orderCancelled,
  StockReserved: stockReserved,
  StockReservationFailed: stockReservationFailed,
  PointsAwarded: pointsAwarded,
  ProductUpserted: productUpserted,
  PaymentAuthorized: paymentAuthorized,
  PaymentDeclined: paymentDeclined,
  PaymentCaptured: paymentCaptured,
  PaymentVoided: paymentVoided,
  PaymentRefunded: paymentRefunded,
};
