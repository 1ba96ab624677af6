import type { HoldStatus } from "./statuses";

export type RejectionPlan =
  | { action: "release"; points: number }
  /** OrderRejected overtook OrderPlaced: leave a RELEASED row so the late OrderPlaced holds nothing. */
  | { action: "tombstone" }
  | { action: "skip" };

/** Compensation for a rejected order: give back whatever is still held. */
export function planRejection(
  hold: { status: HoldStatus; points: number } | undefined,
): RejectionPlan {
  if (!hold) return { action: "tombstone" };
  if (hold.status === "HELD") return { action: "release", points: hold.points };
  return { action: "skip" };
}
