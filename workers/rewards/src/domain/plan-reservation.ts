import type { HoldStatus } from "./statuses";

export type ReservationPlan =
  | { action: "skip"; why: "NOTHING_TO_REDEEM" | "ORDER_ALREADY_SEEN" }
  | { action: "reserve"; points: number };

/**
 * What OrderPlaced asks of rewards. Any existing hold row means the order was already
 * handled, or a rejection or cancel overtook it and left a tombstone: hold nothing then.
 * Whether the points are available is not decided here but by the database in the batch.
 */
export function planReservation(
  pointsToRedeem: number,
  hold: { status: HoldStatus } | undefined,
): ReservationPlan {
  if (pointsToRedeem === 0) return { action: "skip", why: "NOTHING_TO_REDEEM" };
  if (hold) return { action: "skip", why: "ORDER_ALREADY_SEEN" };
  return { action: "reserve", points: pointsToRedeem };
}
