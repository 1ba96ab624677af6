import { causedBy, type Envelope } from "@edge-saga/shared";

/** Envelope fields of an event rewards emits about a customer while handling `cause` of order `orderId`. */
export function sagaEvent(cause: Envelope, orderId: string, customerId: string) {
  return {
    aggregateType: "customer",
    aggregateId: customerId,
    ...causedBy(cause),
    // Every event of one saga carries the order id, whatever the cause was correlated with.
    correlationId: orderId,
  };
}
