import type { AnyD1Database, Decision } from "@edge-saga/shared";
import { eq } from "drizzle-orm";
import { reservationLines, reservations } from "../db/schema";
import { changeStatus, moveUnits, reservationIs } from "../db/stock-statements";
import { nextStep, type OrderOutcome } from "../domain/reservation-lifecycle";

/**
 * Applies the order's outcome to its reservation (see `nextStep`). Every statement is
 * guarded in SQL on the state it was decided from, units first and the status last,
 * so a concurrent delivery that changed the reservation fails the batch for a re-run.
 */
export async function settleReservation(
  db: AnyD1Database,
  orderId: string,
  outcome: OrderOutcome,
  reason: string | null = null,
): Promise<Decision> {
  // Both reads at once (one round trip); the lines are used only when units move.
  const [current, lines] = await Promise.all([
    db
      .select({ status: reservations.status })
      .from(reservations)
      .where(eq(reservations.orderId, orderId))
      .get(),
    db.select().from(reservationLines).where(eq(reservationLines.orderId, orderId)).all(),
  ]);
  const step = nextStep(current?.status ?? null, outcome);
  const now = Date.now();
  switch (step.kind) {
    case "ignore":
      return {};
    case "tombstone":
      // If OrderPlaced commits first after all, this insert hits the primary key and the kit re-runs us.
      return {
        statements: [
          db
            .insert(reservations)
            .values({ orderId, status: step.status, reason, createdAt: now, updatedAt: now }),
        ],
      };
    case "transition": {
      const { stock, from, to } = step;
      const stillFrom = reservationIs(db, orderId, from);
      // Lines are written with the reservation and never change, so reading them is safe.
      const unitMoves = stock
        ? lines.map((l) => moveUnits(db, l.sku, l.quantity, stock, now, stillFrom))
        : [];
      return {
        statements: [...unitMoves, changeStatus(db, orderId, from, to, now)],
      };
    }
  }
}
