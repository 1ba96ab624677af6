import type { LedgerKind } from "./statuses";

/** A customer's points as folded from their ledger. available = balance - reserved. */
export interface AccountState {
  /** Every point the customer owns, held ones included; negative only after a clawback. */
  balance: number;
  /** Points held for orders still pending. */
  reserved: number;
  /** Points earned by confirmed orders, minus those taken back by cancels. */
  lifetimeEarned: number;
}

/** One ledger entry as the fold sees it: what it changes, by kind. */
export interface AccountEvent {
  kind: LedgerKind;
  /** Signed change of the balance (0 for HOLD and RELEASE). */
  points: number;
  /** Signed change of the reserved points (HOLD +, RELEASE and REDEEM -). */
  reserved: number;
}

/** The account at version `version`: the fold of its first `version` ledger entries. */
export interface VersionedAccount {
  version: number;
  state: AccountState;
}

/** A customer with no ledger entries. */
export const initialState: AccountState = Object.freeze({
  balance: 0,
  reserved: 0,
  lifetimeEarned: 0,
});

/** Entries folded between two snapshots: a read folds at most this many past the latest one. */
export const SNAPSHOT_EVERY = 50;

/** Applies one ledger entry. Pure: the same entries always fold to the same account. */
export function fold(state: AccountState, event: AccountEvent): AccountState {
  const earned = event.kind === "EARN" || event.kind === "CLAWBACK" ? event.points : 0;
  return {
    balance: state.balance + event.points,
    reserved: state.reserved + event.reserved,
    lifetimeEarned: state.lifetimeEarned + earned,
  };
}

/** Folds `events` onto `from` (the initial state unless resuming from a snapshot). */
export function foldAll(events: readonly AccountEvent[], from: AccountState = initialState) {
  return events.reduce(fold, from);
}

/**
 * Appends `events` to an account read at `at`: the account after them, and the snapshots to
 * store, one for each multiple of `every` the new versions reach.
 *
 * @example append({ version: 49, state }, [grant]).snapshots // [{ version: 50, state: ... }]
 */
export function append(
  at: VersionedAccount,
  events: readonly AccountEvent[],
  every = SNAPSHOT_EVERY,
): VersionedAccount & { snapshots: VersionedAccount[] } {
  let { version, state } = at;
  const snapshots: VersionedAccount[] = [];
  for (const event of events) {
    state = fold(state, event);
    version += 1;
    if (version % every === 0) snapshots.push({ version, state });
  }
  return { version, state, snapshots };
}

/** Points that can still be held for a new order. */
export const available = (state: AccountState) => state.balance - state.reserved;

/** Whether `points` can be held: a hold never takes more than is available. */
export const canHold = (state: AccountState, points: number) =>
  points > 0 && available(state) >= points;
