import type { AwardStatus, HoldStatus } from "./statuses";

export type ConfirmationPlan =
  | { action: "skip"; why: "ALREADY_AWARDED" | "ORDER_CANCELLED" }
  /** Capture `capture` held points (0: nothing was held) and credit `award` earned points. */
  | { action: "confirm"; capture: number; award: number }
  /** A state the saga can not produce; the message should fail loudly, not be absorbed. */
  | { action: "anomaly"; message: string };

/**
 * What OrderConfirmed asks of rewards, given the order's hold and award rows.
 * A cancel that overtook the confirmation left the hold CANCELLED and an award
 * tombstone (REVOKED): then nothing is captured or awarded.
 */
export function planConfirmation(
  event: { pointsRedeemed: number; pointsEarned: number },
  hold: { status: HoldStatus; points: number } | undefined,
  award: { status: AwardStatus } | undefined,
): ConfirmationPlan {
  if (award?.status === "REVOKED") return { action: "skip", why: "ORDER_CANCELLED" };
  if (award) return { action: "skip", why: "ALREADY_AWARDED" };
  if (hold?.status === "CANCELLED" || hold?.status === "REFUNDED")
    return { action: "skip", why: "ORDER_CANCELLED" };
  const held = hold?.status === "HELD" ? hold.points : 0;
  // The order service confirms only after PointsReserved, which rewards sends after the hold commits.
  if (held !== event.pointsRedeemed) {
    return {
      action: "anomaly",
      message: `order redeemed ${event.pointsRedeemed} points but ${
        hold ? `its hold is ${hold.status} with ${hold.points}` : "no points are held"
      }`,
    };
  }
  return { action: "confirm", capture: held, award: event.pointsEarned };
}
