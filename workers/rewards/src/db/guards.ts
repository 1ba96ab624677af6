import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { AwardStatus, HoldStatus } from "../domain/statuses";
import { awards, holds, ledger } from "./tables";

/**
 * SQL conditions on the state of one order, evaluated inside the batch. Every statement of a
 * transition carries the same condition and the status change comes last, so they all apply or
 * all no-op together: a concurrent change between the handler's read and its commit can not
 * make a transition apply twice.
 */
export function holdIs(orderId: string, status: HoldStatus): SQL {
  return sql`EXISTS (SELECT 1 FROM ${holds} WHERE ${holds.orderId} = ${orderId} AND ${holds.status} = ${status})`;
}

export function awardIs(orderId: string, status: AwardStatus): SQL {
  return sql`EXISTS (SELECT 1 FROM ${awards} WHERE ${awards.orderId} = ${orderId} AND ${awards.status} = ${status})`;
}

export type LedgerEntry = typeof ledger.$inferInsert;

/** `INSERT INTO ledger ... SELECT ... WHERE condition`: the entry is written only if `condition` holds. */
export function insertLedgerIf(db: AnyD1Database, entry: LedgerEntry, condition: SQL): Statement {
  const row: Record<string, unknown> = { reason: null, orderId: null, ...entry };
  // drizzle's INSERT ... SELECT lists every column of the table in declaration order.
  const values = Object.keys(getTableColumns(ledger)).map((key) => sql`${row[key] ?? null}`);
  return db.insert(ledger).select(sql`SELECT ${sql.join(values, sql`, `)} WHERE ${condition}`);
}
