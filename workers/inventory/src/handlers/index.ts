import { orderCancelled } from "./order-cancelled";
import { orderConfirmed } from "./order-confirmed";
import { orderPlaced } from "./order-placed";
import { orderRejected } from "./order-rejected";

/**
 * One handler per event type the catalog routes to inventory; defineService's types refuse a
 * missing or an extra one.
 */
export const handlers = {
  OrderPlaced: orderPlaced,
  OrderConfirmed: orderConfirmed,
  OrderRejected: orderRejected,
  OrderCancelled: orderCancelled,
};
