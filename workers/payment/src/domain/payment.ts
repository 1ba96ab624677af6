import { PAYMENT_STATUSES, type PaymentStatus } from "@edge-saga/contracts";

/**
 * The payment of one order as pure rules. Two halves, each written by one side only:
 * - `requested`: what the saga asked for, decided by the handlers of the order's events;
 * - `status`: what the card processor did, recorded by the effects' reports (the relay).
 * A handler decides from `requested` alone, never from an answer still on its way: a cancel
 * that comes while the authorization is in flight asks for a void, made after it.
 */

export const REQUESTED = [
  /** Nothing to pay (points cover the total): no call is ever made. */
  "NOT_REQUIRED",
  "AUTHORIZE",
  "CAPTURE",
  "VOID",
  "REFUND",
  /** The order was rejected or cancelled before its OrderPlaced came: never authorize. */
  "CLOSED",
] as const;
export type Requested = (typeof REQUESTED)[number];

/** design.md's payment statuses (where the money stands at the processor), as the API names them. */
export { PAYMENT_STATUSES, type PaymentStatus };

export type PaymentOperation = "authorize" | "capture" | "void" | "refund";

export interface Payment {
  requested: Requested;
  status: PaymentStatus;
  amountCents: number;
}

export type PaymentDecision =
  | { kind: "ignore"; why: string }
  /** A first row for the order: its payment, or a tombstone (`CLOSED`). */
  | { kind: "create"; requested: Requested; status: PaymentStatus; operation?: "authorize" }
  | { kind: "request"; requested: Requested; operation: PaymentOperation }
  /** Cannot happen in a correct saga: dead-lettered, where an operator sees it. */
  | { kind: "anomaly"; message: string };

/** What the card pays: the total less the points redeemed (1 point = 1 cent). */
export function amountToPay(totalCents: number, pointsRedeemed: number): number {
  return Math.max(0, totalCents - pointsRedeemed);
}

/** OrderPlaced: authorize the amount, or answer at once when there is nothing to pay. */
export function decidePlaced(payment: Payment | undefined, amountCents: number): PaymentDecision {
  if (payment) return { kind: "ignore", why: payment.requested === "CLOSED" ? "CLOSED" : "SEEN" };
  if (amountCents === 0)
    return { kind: "create", requested: "NOT_REQUIRED", status: "NOT_REQUIRED" };
  return { kind: "create", requested: "AUTHORIZE", status: "PENDING", operation: "authorize" };
}

/** OrderConfirmed: capture what was authorized. */
export function decideConfirmed(payment: Payment | undefined): PaymentDecision {
  if (!payment) return { kind: "anomaly", message: "confirmed before its payment was authorized" };
  switch (payment.requested) {
    case "AUTHORIZE":
      return { kind: "request", requested: "CAPTURE", operation: "capture" };
    case "NOT_REQUIRED":
      return { kind: "ignore", why: "NOT_REQUIRED" };
    // A cancel of the confirmed order overtook this event: the hold was voided, never capture.
    case "VOID":
    case "CLOSED":
      return { kind: "ignore", why: "CANCELLED_FIRST" };
    case "CAPTURE":
    case "REFUND":
      return { kind: "ignore", why: "SEEN" };
  }
}

/** OrderRejected: release the hold (a declined card held nothing; its void is a no-op). */
export function decideRejected(payment: Payment | undefined): PaymentDecision {
  if (!payment) return { kind: "create", requested: "CLOSED", status: "VOIDED" };
  if (payment.requested === "AUTHORIZE")
    return { kind: "request", requested: "VOID", operation: "void" };
  if (payment.requested === "CAPTURE")
    return { kind: "anomaly", message: "rejected after it was confirmed and captured" };
  return { kind: "ignore", why: payment.requested };
}

/** OrderCancelled: void a hold, refund a capture, and never authorize if it comes first. */
export function decideCancelled(payment: Payment | undefined): PaymentDecision {
  if (!payment) return { kind: "create", requested: "CLOSED", status: "VOIDED" };
  switch (payment.requested) {
    case "AUTHORIZE":
      return { kind: "request", requested: "VOID", operation: "void" };
    case "CAPTURE":
      return { kind: "request", requested: "REFUND", operation: "refund" };
    default:
      return { kind: "ignore", why: payment.requested };
  }
}

/** The idempotency key of an order's operation: the same on every attempt, on every replay. */
export function paymentKey(orderId: string, operation: PaymentOperation): string {
  return `payment:${orderId}:${operation}`;
}
