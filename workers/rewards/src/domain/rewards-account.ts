import type { RewardsAccount } from "@edge-saga/contracts";

/** A customer's account as the API shows it; one who never had points has an all-zero account. */
export function rewardsAccount(
  customerId: string,
  row: { balance: number; reserved: number; lifetimeEarned: number } | undefined,
): RewardsAccount {
  return {
    customerId,
    balance: row?.balance ?? 0,
    reserved: row?.reserved ?? 0,
    lifetimeEarned: row?.lifetimeEarned ?? 0,
  };
}
