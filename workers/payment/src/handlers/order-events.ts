import type { Catalog } from "@edge-saga/contracts";
import { catalog } from "@edge-saga/contracts";
import {
  type AnyD1Database,
  causedBy,
  type Decision,
  type EffectIntent,
  type Envelope,
  type EventHandler,
  type EventOf,
} from "@edge-saga/shared";
import { moveRequested, readPayment } from "../db/payment-store";
import { payments } from "../db/tables";
import {
  amountToPay,
  decideCancelled,
  decideConfirmed,
  decidePlaced,
  decideRejected,
  type PaymentDecision,
  type PaymentOperation,
  paymentKey,
} from "../domain/payment";

type Handler<T extends Parameters<Catalog["create"]>[0]> = EventHandler<Env, EventOf<Catalog, T>>;

/** The effect that makes `operation` for the order, keyed by order and operation. */
export function paymentEffect(
  cause: Envelope,
  orderId: string,
  operation: PaymentOperation,
): EffectIntent {
  return {
    kind: operation,
    key: paymentKey(orderId, operation),
    subject: orderId,
    correlationId: orderId,
    request: { orderId, cause: cause.id },
  };
}

/** The writes a payment decision makes; an anomaly throws (retried, then dead-lettered). */
async function apply(
  db: AnyD1Database,
  event: Envelope<{ orderId: string; customerId: string }>,
  decide: (payment: Awaited<ReturnType<typeof readPayment>>) => PaymentDecision,
  created: { amountCents: number; paymentMethod: string | null } = {
    amountCents: 0,
    paymentMethod: null,
  },
): Promise<Decision> {
  const { orderId, customerId } = event.payload;
  const payment = await readPayment(db, orderId);
  const decision = decide(payment);
  const now = Date.now();
  switch (decision.kind) {
    case "ignore":
      return {};
    case "anomaly":
      throw new Error(`${event.type} ${orderId}: ${decision.message}`);
    case "create": {
      // A row committed since the read refuses this insert: the kit decides again and ignores.
      const insert = db.insert(payments).values({
        orderId,
        customerId,
        amountCents: created.amountCents,
        paymentMethod: created.paymentMethod,
        requested: decision.requested,
        status: decision.status,
        createdAt: now,
        updatedAt: now,
      });
      if (decision.operation)
        return {
          statements: [insert],
          effects: [paymentEffect(event, orderId, decision.operation)],
        };
      // Nothing to pay, or nothing to hold any more (a tombstone): answered at once, no call.
      const answer = decision.requested === "NOT_REQUIRED" ? "PaymentAuthorized" : "PaymentVoided";
      return {
        statements: [insert],
        events: [
          catalog.create(answer, {
            ...paymentEventOf(event, orderId),
            payload: { orderId, amountCents: 0 },
          }),
        ],
      };
    }
    case "request":
      return {
        statements: [
          moveRequested(db, orderId, payment?.requested ?? "AUTHORIZE", decision.requested, now),
        ],
        effects: [paymentEffect(event, orderId, decision.operation)],
      };
  }
}

/** Envelope fields of a payment event about `orderId`, caused by `cause` (an event or effect). */
export function paymentEventOf(cause: Pick<Envelope, "id" | "correlationId">, orderId: string) {
  return {
    aggregateType: "payment",
    aggregateId: orderId,
    ...causedBy(cause),
    correlationId: orderId,
  };
}

export const orderPlaced: Handler<"OrderPlaced"> = (event, { db }) => {
  const { totalCents, pointsToRedeem, paymentMethod } = event.payload;
  const amountCents = amountToPay(totalCents, pointsToRedeem);
  return apply(db, event, (payment) => decidePlaced(payment, amountCents), {
    amountCents,
    paymentMethod: paymentMethod ?? null,
  });
};

export const orderConfirmed: Handler<"OrderConfirmed"> = (event, { db }) =>
  apply(db, event, decideConfirmed);

export const orderRejected: Handler<"OrderRejected"> = (event, { db }) =>
  apply(db, event, decideRejected);

export const orderCancelled: Handler<"OrderCancelled"> = (event, { db }) =>
  apply(db, event, decideCancelled);
