import type { StockMove } from "./stock-moves";

export const reservationStatuses = ["RESERVED", "SOLD", "RELEASED", "CANCELLED", "FAILED"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

/** What the order service decided about an order, as inventory hears it. */
export type OrderOutcome = "confirmed" | "rejected" | "cancelled";

export type ReservationStep =
  /** Nothing to do: the reservation is already where this outcome leads, or past it. */
  | { kind: "ignore" }
  /** The outcome overtook OrderPlaced: record it so the late OrderPlaced reserves nothing. */
  | { kind: "tombstone"; status: ReservationStatus }
  /** Move the reservation from `from` to `to`, moving its units as `stock` says (if at all). */
  | { kind: "transition"; from: ReservationStatus; to: ReservationStatus; stock: StockMove | null };

const ignore: ReservationStep = { kind: "ignore" };

/**
 * The reservation's state machine. `current` is null when OrderPlaced has not arrived.
 * Every path converges whatever order the saga's events arrive in:
 * - confirmed: RESERVED -> SOLD; anything else stays (a cancel or rejection got there first).
 * - rejected: RESERVED -> RELEASED (units back), FAILED -> RELEASED, none yet -> RELEASED tombstone.
 * - cancelled: from whatever state the order reached, including none yet -> CANCELLED,
 *   giving back held (RESERVED) or sold (SOLD) units.
 */
export function nextStep(
  current: ReservationStatus | null,
  outcome: OrderOutcome,
): ReservationStep {
  switch (outcome) {
    case "confirmed":
      return current === "RESERVED"
        ? { kind: "transition", from: "RESERVED", to: "SOLD", stock: "sell" }
        : ignore;
    case "rejected":
      if (current === null) return { kind: "tombstone", status: "RELEASED" };
      if (current === "RESERVED")
        return { kind: "transition", from: "RESERVED", to: "RELEASED", stock: "release" };
      if (current === "FAILED")
        return { kind: "transition", from: "FAILED", to: "RELEASED", stock: null };
      return ignore;
    case "cancelled":
      if (current === null) return { kind: "tombstone", status: "CANCELLED" };
      if (current === "CANCELLED") return ignore;
      return {
        kind: "transition",
        from: current,
        to: "CANCELLED",
        stock: current === "RESERVED" ? "release" : current === "SOLD" ? "restock" : null,
      };
  }
}
