import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { and, asc, desc, eq, gt, type SQL, sql } from "drizzle-orm";
import {
  type AccountEvent,
  type AccountState,
  append,
  foldAll,
  initialState,
  type VersionedAccount,
} from "../domain/points-account";
import type { LedgerKind } from "../domain/statuses";
import { accountSnapshots, ledger } from "./tables";

/** A ledger entry to write. */
export interface NewEntry {
  id: string;
  customerId: string;
  kind: LedgerKind;
  /** Signed change of the balance. */
  points: number;
  /** Signed change of the reserved points; 0 when omitted. */
  reserved?: number;
  orderId?: string | null;
  reason?: string | null;
  causationId: string;
  /**
   * Condition on the order's state, evaluated in the batch: when it does not hold the entry
   * fails the batch (NOT NULL on seq) instead of being skipped, so the kit re-reads and
   * decides again; a snapshot in the same batch can never miss an entry.
   */
  guard?: SQL;
}

const asEvent = (e: {
  kind: LedgerKind;
  points: number;
  reserved?: number | null;
}): AccountEvent => ({
  kind: e.kind,
  points: e.points,
  reserved: e.reserved ?? 0,
});

/** `from` plus the entries after it; throws on a hole, which would mean a lost entry. */
export function resume(
  customerId: string,
  from: VersionedAccount,
  tail: readonly ({ seq: number } & AccountEvent)[],
): VersionedAccount {
  tail.forEach((entry, i) => {
    if (entry.seq !== from.version + i + 1)
      throw new Error(`ledger of ${customerId}: entry ${entry.seq} follows ${from.version + i}`);
  });
  return { version: from.version + tail.length, state: foldAll(tail, from.state) };
}

export const parseState = (json: string): AccountState => ({
  ...initialState,
  ...(JSON.parse(json) as AccountState),
});

/**
 * A customer's account: the latest snapshot and the ledger entries after it, read in one batch
 * (one transaction, so the two agree). Costs O(entries since the snapshot) < SNAPSHOT_EVERY.
 */
export async function readAccount(
  db: AnyD1Database,
  customerId: string,
): Promise<VersionedAccount> {
  const latestVersion = sql`COALESCE((SELECT max(${accountSnapshots.version}) FROM ${accountSnapshots} WHERE ${accountSnapshots.customerId} = ${customerId}), 0)`;
  const [snapshots, tail] = await db.batch([
    db
      .select({ version: accountSnapshots.version, state: accountSnapshots.state })
      .from(accountSnapshots)
      .where(eq(accountSnapshots.customerId, customerId))
      .orderBy(desc(accountSnapshots.version))
      .limit(1),
    db
      .select({
        seq: ledger.seq,
        kind: ledger.kind,
        points: ledger.points,
        reserved: ledger.reserved,
      })
      .from(ledger)
      .where(and(eq(ledger.customerId, customerId), gt(ledger.seq, latestVersion)))
      .orderBy(asc(ledger.seq)),
  ]);
  const snapshot = snapshots[0];
  const from = snapshot
    ? { version: snapshot.version, state: parseState(snapshot.state) }
    : { version: 0, state: initialState };
  return resume(customerId, from, tail);
}

/**
 * The statements appending `entries` to one customer's ledger read at `at`: entries numbered
 * `at.version + 1 ...` (a concurrent append took those numbers: UNIQUE fails, the batch rolls
 * back) and a snapshot at every multiple of SNAPSHOT_EVERY reached. Put them before any status
 * change their guards read.
 */
export function appendStatements(
  db: AnyD1Database,
  customerId: string,
  at: VersionedAccount,
  entries: readonly NewEntry[],
  now: number,
): { statements: Statement[]; account: VersionedAccount } {
  if (entries.some((e) => e.customerId !== customerId))
    throw new Error(`entries of another customer than ${customerId}`);
  const next = append(at, entries.map(asEvent));
  const statements: Statement[] = entries.map((entry, i) => {
    const seq = at.version + i + 1;
    return db.insert(ledger).values({
      id: entry.id,
      customerId,
      seq: entry.guard ? sql`(SELECT ${seq} WHERE ${entry.guard})` : seq,
      orderId: entry.orderId ?? null,
      kind: entry.kind,
      points: entry.points,
      reserved: entry.reserved ?? 0,
      reason: entry.reason ?? null,
      causationId: entry.causationId,
      createdAt: now,
    });
  });
  for (const snapshot of next.snapshots) {
    statements.push(
      db.insert(accountSnapshots).values({
        customerId,
        version: snapshot.version,
        state: JSON.stringify(snapshot.state),
        createdAt: now,
      }),
    );
  }
  return { statements, account: { version: next.version, state: next.state } };
}

/** Reads the account of each customer `entries` touch and returns the statements appending them. */
export async function appendToLedgers(
  db: AnyD1Database,
  entries: readonly NewEntry[],
  now: number,
): Promise<Statement[]> {
  const byCustomer = new Map<string, NewEntry[]>();
  for (const entry of entries)
    byCustomer.set(entry.customerId, [...(byCustomer.get(entry.customerId) ?? []), entry]);
  const parts = await Promise.all(
    [...byCustomer].map(async ([customerId, own]) => {
      const at = await readAccount(db, customerId);
      return appendStatements(db, customerId, at, own, now).statements;
    }),
  );
  return parts.flat();
}

/** `(SELECT max(seq) ...) = version`: the customer's ledger has not moved since it was read. */
export function ledgerAt(customerId: string, version: number): SQL {
  return sql`COALESCE((SELECT max(${ledger.seq}) FROM ${ledger} WHERE ${ledger.customerId} = ${customerId}), 0) = ${version}`;
}
