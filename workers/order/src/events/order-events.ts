import { catalog } from "@edge-saga/contracts";
import type { SagaEvent } from "../domain/saga";

/** Who caused a saga event: a request id for commands, `causedBy(event)` for replies. */
export interface EventCause {
  causationId: string;
}

interface OrderRef {
  id: string;
  customerId: string;
  totalCents: number;
  pointsRedeemed: number;
}

/**
 * The envelope of a saga event: about the order, correlated by the order id, and
 * sequenced by the order's version after the change that emits it.
 */
export function orderEvent(order: OrderRef, event: SagaEvent, sequence: number, cause: EventCause) {
  const envelope = {
    aggregateType: "order",
    aggregateId: order.id,
    correlationId: order.id,
    causationId: cause.causationId,
    sequence,
  };
  switch (event.type) {
    case "OrderConfirmed":
      return catalog.create("OrderConfirmed", {
        ...envelope,
        payload: {
          orderId: order.id,
          customerId: order.customerId,
          totalCents: order.totalCents,
          pointsRedeemed: order.pointsRedeemed,
          pointsEarned: event.pointsEarned,
        },
      });
    case "OrderRejected":
      return catalog.create("OrderRejected", {
        ...envelope,
        payload: { orderId: order.id, customerId: order.customerId, reason: event.reason },
      });
    case "OrderCancelled":
      return catalog.create("OrderCancelled", {
        ...envelope,
        payload: {
          orderId: order.id,
          customerId: order.customerId,
          previousStatus: event.previousStatus,
        },
      });
  }
}

/**
 * `OrderPlaced`: the saga's start, asking inventory (and rewards) to reserve. `id` and
 * `occurredAt` only when a repeat must publish the same event (self-read with a key).
 */
export function orderPlacedEvent(
  order: OrderRef & { paymentMethod?: string | null },
  items: readonly { sku: string; quantity: number; unitPriceCents: number }[],
  cause: EventCause & { id?: string; occurredAt?: Date },
) {
  return catalog.create("OrderPlaced", {
    id: cause.id,
    occurredAt: cause.occurredAt,
    aggregateType: "order",
    aggregateId: order.id,
    correlationId: order.id,
    causationId: cause.causationId,
    sequence: 1,
    payload: {
      orderId: order.id,
      customerId: order.customerId,
      items: items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
      totalCents: order.totalCents,
      pointsToRedeem: order.pointsRedeemed,
      paymentMethod: order.paymentMethod ?? null,
    },
  });
}
