import { orderCancelled } from "./order-cancelled";
import { orderConfirmed } from "./order-confirmed";
import { orderPlaced } from "./order-placed";
import { orderRejected } from "./order-rejected";

/**
 * One handler per event type rewards subscribes to in the catalog; defineService's types refuse
 * a missing or an extra one.
 */
export const handlers = {
  OrderPlaced: orderPlaced,
  OrderConfirmed: orderConfirmed,
  OrderRejected: orderRejected,
  OrderCancelled: orderCancelled,
};

/**
 * Every change to an account appends at the customer's next ledger seq, so two events of one
 * customer applied at once would only race for it: the consumer applies them one by one.
 */
export function customerOf(event: { payload?: unknown }): string | undefined {
  const customerId = (event.payload as { customerId?: unknown } | undefined)?.customerId;
  return typeof customerId === "string" ? `customer:${customerId}` : undefined;
}
