import { orderCancelled, orderConfirmed, orderPlaced, orderRejected } from "./order-events";

/**
 * One handler per event type the catalog routes to payment; defineService checks the map. Each
 * records what the saga asks of the card processor; the relay makes the calls (src/psp).
 */
export const handlers = {
  OrderPlaced: orderPlaced,
  OrderConfirmed: orderConfirmed,
  OrderRejected: orderRejected,
  OrderCancelled: orderCancelled,
};
