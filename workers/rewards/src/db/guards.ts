import { type SQL, sql } from "drizzle-orm";
import type { AwardStatus, HoldStatus } from "../domain/statuses";
import { awards, holds } from "./tables";

/**
 * SQL conditions on the state of one order, evaluated inside the batch. A transition's ledger
 * entry fails the batch unless its condition holds (see NewEntry.guard) and the status change
 * comes after it: a concurrent change between the handler's read and its commit can not make a
 * transition apply twice.
 */
export function holdIs(orderId: string, status: HoldStatus): SQL {
  return sql`EXISTS (SELECT 1 FROM ${holds} WHERE ${holds.orderId} = ${orderId} AND ${holds.status} = ${status})`;
}

export function awardIs(orderId: string, status: AwardStatus): SQL {
  return sql`EXISTS (SELECT 1 FROM ${awards} WHERE ${awards.orderId} = ${orderId} AND ${awards.status} = ${status})`;
}
