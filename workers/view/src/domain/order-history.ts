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

/** What inventory answered to the order's reservation request, if it has. */
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
