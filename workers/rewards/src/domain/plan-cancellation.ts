import type { AwardStatus, HoldStatus } from "./statuses";

export type HoldCompensation =
  /** Still pending: give the held points back to available. */
  | { action: "release"; points: number }
  /** Confirmed: the redeemed points return to the balance. */
  | { action: "refund"; points: number }
  /** The cancel overtook OrderPlaced: a CANCELLED row makes the late OrderPlaced hold nothing. */
  | { action: "tombstone" }
  | { action: "none" };

export type AwardCompensation =
  /** Take the earned points back, even if that makes the balance negative (design.md invariant 4). */
  | { action: "clawback"; points: number }
  /** The cancel overtook OrderConfirmed: a REVOKED row makes the late confirmation award nothing. */
  | { action: "tombstone" }
  | { action: "none" };

export interface CancellationPlan {
  hold: HoldCompensation;
  award: AwardCompensation;
}

/** Compensation for a cancelled order, whatever of its saga rewards has seen so far. */
export function planCancellation(
  hold: { status: HoldStatus; points: number } | undefined,
  award: { status: AwardStatus; points: number } | undefined,
): CancellationPlan {
  return { hold: holdCompensation(hold), award: awardCompensation(award) };
}

function holdCompensation(
  hold: { status: HoldStatus; points: number } | undefined,
): HoldCompensation {
  if (!hold) return { action: "tombstone" };
  if (hold.status === "HELD") return { action: "release", points: hold.points };
  if (hold.status === "CAPTURED") return { action: "refund", points: hold.points };
  return { action: "none" };
}

function awardCompensation(
  award: { status: AwardStatus; points: number } | undefined,
): AwardCompensation {
  if (!award) return { action: "tombstone" };
  if (award.status === "AWARDED") return { action: "clawback", points: award.points };
  return { action: "none" };
}
