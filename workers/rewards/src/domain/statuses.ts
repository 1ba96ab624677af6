/** Life of a points hold for one order; every state but HELD is final. */
export const HOLD_STATUSES = [
  "HELD",
  "CAPTURED",
  "RELEASED",
  "CANCELLED",
  "REFUNDED",
  "FAILED",
] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** Earned points of one order: credited once, taken back at most once. */
export const AWARD_STATUSES = ["AWARDED", "REVOKED"] as const;
export type AwardStatus = (typeof AWARD_STATUSES)[number];

/** Why a balance changed. GRANT, EARN and REFUND add points; REDEEM and CLAWBACK take them. */
export const LEDGER_KINDS = ["GRANT", "REDEEM", "EARN", "REFUND", "CLAWBACK"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];
