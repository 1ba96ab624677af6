import { PAYMENT_STATUSES, type PaymentStatus } from "@edge-saga/contracts";
/**
 * The rules that make the view converge: every field is a function of the set of events seen,
 * never of the order they arrived in. Pure, so tests can hold them without the runtime.
 */

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Rank in the status lattice: PENDING < CONFIRMED | REJECTED < CANCELLED. The status shown is
 * the highest-ranked one seen, so a late OrderConfirmed cannot undo an OrderCancelled.
 * (CONFIRMED and REJECTED never both happen to one order: the order service decides once.)
 */
export const STATUS_RANK: Record<OrderStatus, number> = {
  PENDING: 0,
  CONFIRMED: 1,
  REJECTED: 1,
  CANCELLED: 2,
};

/**
 * What inventory answered to the order's reservation request, if it has. On several inventory
 * shards each answers for its lines: the shown answer is the highest in this order (one FAILED
 * fails the order, whatever arrived first; order-projection.ts merges so).
 */
export const STOCK_ANSWERS = ["PENDING", "RESERVED", "FAILED"] as const;
export type StockAnswer = (typeof STOCK_ANSWERS)[number];

/** The order's stock as a customer sees it. */
export type ReservationState = "PENDING" | "RESERVED" | "FAILED" | "SOLD" | "RELEASED";

/**
 * Inventory's answer read with the order's status: a reservation of a confirmed order became
 * a sale, one of a rejected or cancelled order was released (the compensation).
 */
export function reservationState(stock: StockAnswer, status: OrderStatus): ReservationState {
  if (stock !== "RESERVED") return stock;
  if (status === "CONFIRMED") return "SOLD";
  if (status === "REJECTED" || status === "CANCELLED") return "RELEASED";
  return "RESERVED";
}

/**
 * Where the order's card payment stands, as the payment service's events tell it (the same
 * values as its `GET /orders/{id}/payment`). PENDING: no payment event heard yet; NOT_REQUIRED:
 * PaymentAuthorized with amountCents 0 (points pay the whole total, no card was charged).
 */
export { PAYMENT_STATUSES, type PaymentStatus };

/**
 * Rank of the payment's statuses: the status shown is the highest-ranked one seen. A payment's
 * life is one of PENDING -> NOT_REQUIRED, PENDING -> DECLINED, PENDING -> AUTHORIZED -> VOIDED
 * and PENDING -> AUTHORIZED -> CAPTURED -> REFUNDED, each step a later event, so a late
 * PaymentAuthorized never undoes a capture, a void or a refund.
 *
 * The ranks are all different (a chain, not a lattice with ties): the outcomes of one step
 * exclude each other in a correct payment service (an authorization is approved, declined or
 * not needed, once; a hold is captured or voided, never both), but were two of them ever both
 * sent, a tie kept by arrival would make the row depend on the delivery order. With distinct
 * ranks the merge is a plain max: the same row for any order and any duplicates. Such ties are
 * broken towards the status in which the customer's money is held or taken (AUTHORIZED over
 * DECLINED and NOT_REQUIRED, CAPTURED over VOIDED), so an impossible pair never hides money.
 */
export const PAYMENT_RANK: Record<PaymentStatus, number> = {
  PENDING: 0,
  DECLINED: 1,
  NOT_REQUIRED: 2,
  AUTHORIZED: 3,
  VOIDED: 4,
  CAPTURED: 5,
  REFUNDED: 6,
};

/** The payment event types the view follows, and the status each one reports. */
export type PaymentEventType =
  | "PaymentAuthorized"
  | "PaymentDeclined"
  | "PaymentCaptured"
  | "PaymentVoided"
  | "PaymentRefunded";

/**
 * The status one payment event reports. An authorization of 0 cents is the payment service
 * saying there is nothing to pay: NOT_REQUIRED, not a hold.
 */
export function paymentStatusOf(
  type: PaymentEventType,
  amountCents: number,
): Exclude<PaymentStatus, "PENDING"> {
  switch (type) {
    case "PaymentAuthorized":
      return amountCents === 0 ? "NOT_REQUIRED" : "AUTHORIZED";
    case "PaymentDeclined":
      return "DECLINED";
    case "PaymentCaptured":
      return "CAPTURED";
    case "PaymentVoided":
      return "VOIDED";
    case "PaymentRefunded":
      return "REFUNDED";
  }
}

/** The status shown after seeing `statuses` (any order, any duplicates): the highest-ranked. */
export function foldPayment(statuses: Iterable<PaymentStatus>): PaymentStatus {
  let shown: PaymentStatus = "PENDING";
  for (const s of statuses) if (PAYMENT_RANK[s] > PAYMENT_RANK[shown]) shown = s;
  return shown;
}
