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

/**
 * What a ledger entry records. GRANT, EARN and REFUND add points; REDEEM and CLAWBACK take them;
 * HOLD and RELEASE move points in and out of reserved without changing the balance (REDEEM
 * captures held points: balance and reserved both go down).
 */
export const LEDGER_KINDS = [
  "GRANT",
  "HOLD",
  "RELEASE",
  "REDEEM",
  "EARN",
  "REFUND",
  "CLAWBACK",
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** The kinds that change the balance: the ledger as the API's `/rewards/ledger` shows it. */
export const BALANCE_KINDS = [
  "GRANT",
  "REDEEM",
  "EARN",
  "REFUND",
  "CLAWBACK",
] as const satisfies readonly LedgerKind[];
