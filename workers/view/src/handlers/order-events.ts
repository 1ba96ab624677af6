import type { Catalog } from "@edge-saga/contracts";
import type { Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { insertLines, mergeOrder } from "../db/order-projection";

type Handler<T extends string> = EventHandler<Env, EventOf<Catalog, T>>;

/** The order as placed: customer, lines, total, points to redeem, creation time. */
export const orderPlaced: Handler<"OrderPlaced"> = (event, { db }): Decision => {
  const p = event.payload;
  return {
    statements: [
      mergeOrder(db, {
        orderId: p.orderId,
        occurredAt: event.occurredAt,
        customerId: p.customerId,
        totalCents: p.totalCents,
        pointsRedeemed: p.pointsToRedeem,
        placed: true,
      }),
      ...insertLines(db, p.orderId, p.items),
    ],
  };
};

export const orderConfirmed: Handler<"OrderConfirmed"> = (event, { db }): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      customerId: event.payload.customerId,
      status: "CONFIRMED",
      pointsEarned: event.payload.pointsEarned,
    }),
  ],
});

export const orderRejected: Handler<"OrderRejected"> = (event, { db }): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      customerId: event.payload.customerId,
      status: "REJECTED",
      rejectionReason: event.payload.reason,
    }),
  ],
});

export const orderCancelled: Handler<"OrderCancelled"> = (event, { db }): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      customerId: event.payload.customerId,
      status: "CANCELLED",
    }),
  ],
});
