import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { eq, sql } from "drizzle-orm";
import type { Requested } from "../domain/payment";
import { type PaymentRow, payments } from "./tables";

export function readPayment(db: AnyD1Database, orderId: string): Promise<PaymentRow | undefined> {
  return db.select().from(payments).where(eq(payments.orderId, orderId)).get();
}

/**
 * `from` -> `to`, or the batch fails: were `requested` changed since the handler read it (two
 * events of one order applied at once), it becomes NULL, the NOT NULL rule rolls the batch
 * back with the effect it recorded, and the kit decides again on fresh reads.
 */
export function moveRequested(
  db: AnyD1Database,
  orderId: string,
  from: Requested,
  to: Requested,
  now: number,
): Statement {
  return db
    .update(payments)
    .set({
      requested: sql`CASE WHEN ${payments.requested} = ${from} THEN ${to} ELSE NULL END`,
      updatedAt: now,
    })
    .where(eq(payments.orderId, orderId));
}
