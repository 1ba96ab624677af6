import { pointsEarnedFor } from "./pricing";

// The deadline rule lives in deadline.ts; re-exported so the saga's rules read from one module.
export {
  deadlineOf,
  decideTimeout,
  nextDeadlineCheck,
  type TimeoutDecision,
} from "./deadline";

/**
 * The order saga as pure rules. The order waits for every participant's answer:
 * all yes -> CONFIRMED, the first no -> REJECTED, no decision by the deadline -> REJECTED
 * TIMED_OUT. Answers are applied in any order; one that comes too late (order decided,
 * timed out or cancelled) or twice is ignored.
 */

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"] as const;
export const STOCK_STATES = ["PENDING", "RESERVED", "FAILED"] as const;
/** NOT_NEEDED: nothing to redeem, so the order does not wait for rewards. */
export const POINTS_STATES = ["PENDING", "RESERVED", "FAILED", "NOT_NEEDED"] as const;
/** NOT_NEEDED: points pay the whole total, so the order does not wait for the card. */
export const PAYMENT_STATES = ["PENDING", "AUTHORIZED", "DECLINED", "NOT_NEEDED"] as const;
export const REJECTION_REASONS = [
  "OUT_OF_STOCK",
  "UNKNOWN_PRODUCT",
  "INSUFFICIENT_POINTS",
  /** The card processor refused the card. */
  "PAYMENT_DECLINED",
  /** A participant did not answer within the saga's deadline (see deadline.ts). */
  "TIMED_OUT",
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type StockState = (typeof STOCK_STATES)[number];
export type PointsState = (typeof POINTS_STATES)[number];
export type PaymentState = (typeof PAYMENT_STATES)[number];
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface SagaState {
  status: OrderStatus;
  stockState: StockState;
  pointsState: PointsState;
  paymentState: PaymentState;
  totalCents: number;
  pointsRedeemed: number;
  pointsEarned: number;
  rejectionReason: RejectionReason | null;
  pointsAwarded: boolean;
}

/** A participant's answer to `OrderPlaced`. */
export type SagaReply =
  | { type: "StockReserved" }
  | { type: "StockReservationFailed"; reason: "OUT_OF_STOCK" | "UNKNOWN_PRODUCT" }
  | { type: "PointsReserved" }
  | { type: "PointsReservationFailed"; reason: "INSUFFICIENT_POINTS" }
  | { type: "PaymentAuthorized" }
  | { type: "PaymentDeclined"; reason: "PAYMENT_DECLINED" };

/** What the order service announces. */
export type SagaEvent =
  | { type: "OrderConfirmed"; pointsEarned: number }
  | { type: "OrderRejected"; reason: RejectionReason }
  | { type: "OrderCancelled"; previousStatus: "PENDING" | "CONFIRMED" };

export type SagaDecision =
  | { kind: "ignore"; why: "ORDER_NOT_PENDING" | "ALREADY_ANSWERED" }
  | { kind: "change"; state: SagaState; event: SagaEvent | null };

export type CancelDecision =
  | { kind: "refuse"; why: "INVALID_STATE" }
  | { kind: "change"; state: SagaState; event: SagaEvent };

/**
 * A new order: waits for stock, for rewards only when points are redeemed, and for the card
 * only when points do not pay it all.
 */
export function initialState(totalCents: number, pointsToRedeem: number): SagaState {
  return {
    status: "PENDING",
    stockState: "PENDING",
    pointsState: pointsToRedeem > 0 ? "PENDING" : "NOT_NEEDED",
    paymentState: totalCents - pointsToRedeem > 0 ? "PENDING" : "NOT_NEEDED",
    totalCents,
    pointsRedeemed: pointsToRedeem,
    pointsEarned: 0,
    rejectionReason: null,
    pointsAwarded: false,
  };
}

/** Which participant's answer `reply` is: the state it settles. */
function answerOf(state: SagaState, reply: SagaReply): StockState | PointsState | PaymentState {
  switch (reply.type) {
    case "StockReserved":
    case "StockReservationFailed":
      return state.stockState;
    case "PointsReserved":
    case "PointsReservationFailed":
      return state.pointsState;
    case "PaymentAuthorized":
    case "PaymentDeclined":
      return state.paymentState;
  }
}

/** Records a participant's answer, nothing more. */
export function evolve(state: SagaState, reply: SagaReply): SagaState {
  switch (reply.type) {
    case "StockReserved":
      return { ...state, stockState: "RESERVED" };
    case "StockReservationFailed":
      return { ...state, stockState: "FAILED" };
    case "PointsReserved":
      return { ...state, pointsState: "RESERVED" };
    case "PointsReservationFailed":
      return { ...state, pointsState: "FAILED" };
    case "PaymentAuthorized":
      return { ...state, paymentState: "AUTHORIZED" };
    case "PaymentDeclined":
      return { ...state, paymentState: "DECLINED" };
  }
}

/** Applies a participant's answer to a pending order and says what, if anything, it decides. */
export function decideReply(state: SagaState, reply: SagaReply): SagaDecision {
  if (state.status !== "PENDING") return { kind: "ignore", why: "ORDER_NOT_PENDING" };
  if (answerOf(state, reply) !== "PENDING") return { kind: "ignore", why: "ALREADY_ANSWERED" };

  const next = evolve(state, reply);
  if (
    reply.type === "StockReservationFailed" ||
    reply.type === "PointsReservationFailed" ||
    reply.type === "PaymentDeclined"
  ) {
    return {
      kind: "change",
      state: { ...next, status: "REJECTED", rejectionReason: reply.reason },
      event: { type: "OrderRejected", reason: reply.reason },
    };
  }
  const pointsSettled = next.pointsState === "RESERVED" || next.pointsState === "NOT_NEEDED";
  const paymentSettled = next.paymentState === "AUTHORIZED" || next.paymentState === "NOT_NEEDED";
  if (next.stockState === "RESERVED" && pointsSettled && paymentSettled) {
    const pointsEarned = pointsEarnedFor(next.totalCents, next.pointsRedeemed);
    return {
      kind: "change",
      state: { ...next, status: "CONFIRMED", pointsEarned },
      event: { type: "OrderConfirmed", pointsEarned },
    };
  }
  return { kind: "change", state: next, event: null };
}

/** A customer's cancel: allowed while the order is pending or confirmed. */
export function decideCancel(state: SagaState): CancelDecision {
  if (state.status !== "PENDING" && state.status !== "CONFIRMED") {
    return { kind: "refuse", why: "INVALID_STATE" };
  }
  return {
    kind: "change",
    state: { ...state, status: "CANCELLED" },
    event: { type: "OrderCancelled", previousStatus: state.status },
  };
}

/** Rewards credited the earned points: record it once; the order's status does not change. */
export function decidePointsAwarded(
  state: SagaState,
): { kind: "ignore"; why: "ALREADY_RECORDED" } | { kind: "change"; state: SagaState } {
  if (state.pointsAwarded) return { kind: "ignore", why: "ALREADY_RECORDED" };
  return { kind: "change", state: { ...state, pointsAwarded: true } };
}
