import { type Catalog, catalog } from "@edge-saga/contracts";
import { type Decision, type EventHandler, type EventOf, newId } from "@edge-saga/shared";
import { eq, sql } from "drizzle-orm";
import { appendStatements, ledgerAt, readAccount } from "../db/account-store";
import { holds } from "../db/tables";
import { planReservation } from "../domain/plan-reservation";
import { canHold } from "../domain/points-account";
import { sagaEvent } from "./saga-event";

/**
 * Holds the points an order wants to redeem, or reports that they are not available. Decided
 * on the account folded from the ledger and committed at the version read: if another entry
 * of the customer's ledger committed in between, the HOLD entry's (customer, seq) is taken or
 * the refusal's version check fails, the batch rolls back and the kit decides again on fresh
 * reads. So two orders racing for the same points can not both get them.
 */
export const orderPlaced: EventHandler<Env, EventOf<Catalog, "OrderPlaced">> = async (
  event,
  { db },
) => {
  const { orderId, customerId, pointsToRedeem } = event.payload;
  const [hold, account] = await Promise.all([
    db.select({ status: holds.status }).from(holds).where(eq(holds.orderId, orderId)).get(),
    readAccount(db, customerId),
  ]);
  const plan = planReservation(pointsToRedeem, hold);
  if (plan.action === "skip") return {};

  const now = Date.now();
  const points = plan.points;
  const envelope = sagaEvent(event, orderId, customerId);
  if (canHold(account.state, points)) {
    const { statements } = appendStatements(
      db,
      customerId,
      account,
      [
        {
          id: newId(),
          customerId,
          orderId,
          kind: "HOLD",
          points: 0,
          reserved: points,
          causationId: event.id,
        },
      ],
      now,
    );
    return {
      // The hold row's primary key refuses it after a tombstone: the re-run then skips.
      statements: [
        ...statements,
        db
          .insert(holds)
          .values({ orderId, customerId, points, status: "HELD", createdAt: now, updatedAt: now }),
      ],
      events: [
        catalog.create("PointsReserved", { ...envelope, payload: { orderId, customerId, points } }),
      ],
    } satisfies Decision;
  }
  // The failed attempt is remembered too: a redelivered OrderPlaced then finds the row and stops.
  // Its points are NULL (NOT NULL fails the batch) when the ledger moved since it was read: a
  // grant that came in meanwhile gets the order decided again.
  return {
    statements: [
      db.insert(holds).values({
        orderId,
        customerId,
        points: sql`(SELECT ${points} WHERE ${ledgerAt(customerId, account.version)})`,
        status: "FAILED",
        createdAt: now,
        updatedAt: now,
      }),
    ],
    events: [
      catalog.create("PointsReservationFailed", {
        ...envelope,
        payload: { orderId, customerId, points, reason: "INSUFFICIENT_POINTS" },
      }),
    ],
  } satisfies Decision;
};
