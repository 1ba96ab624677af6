import type { Catalog } from "@edge-saga/contracts";
import type { AnyD1Database, Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { mergeOrder } from "../db/order-projection";
import { type PaymentEventType, paymentStatusOf } from "../domain/order-history";

type Handler<T extends string> = EventHandler<Env, EventOf<Catalog, T>>;

interface PaymentReport {
  type: PaymentEventType;
  occurredAt: string;
  payload: { orderId: string; amountCents: number };
}

/**
 * Merges what one payment event reports: its status (the highest-ranked one wins,
 * domain/order-history.ts `PAYMENT_RANK`) and, from the authorization's answer only (approved
 * or declined), the amount. Capture, void and refund repeat the amount; they are not read for
 * it, so the column keeps one source.
 */
function merged(db: AnyD1Database, event: PaymentReport, withAmount: boolean): Decision {
  const { orderId, amountCents } = event.payload;
  return {
    statements: [
      mergeOrder(db, {
        orderId,
        occurredAt: event.occurredAt,
        payment: paymentStatusOf(event.type, amountCents),
        ...(withAmount ? { paymentAmountCents: amountCents } : {}),
      }),
    ],
  };
}

/** The card holds the amount; amountCents 0: nothing to pay (points cover it), NOT_REQUIRED. */
export const paymentAuthorized: Handler<"PaymentAuthorized"> = (event, { db }) =>
  merged(db, event, true);

export const paymentDeclined: Handler<"PaymentDeclined"> = (event, { db }) =>
  merged(db, event, true);

export const paymentCaptured: Handler<"PaymentCaptured"> = (event, { db }) =>
  merged(db, event, false);

export const paymentVoided: Handler<"PaymentVoided"> = (event, { db }) => merged(db, event, false);

export const paymentRefunded: Handler<"PaymentRefunded"> = (event, { db }) =>
  merged(db, event, false);
