import { type Catalog, catalog } from "@edge-saga/contracts";
import type { Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { and, eq, gte, sql } from "drizzle-orm";
import { accounts, holds } from "../db/tables";
import { planReservation } from "../domain/plan-reservation";
import { sagaEvent } from "./saga-event";

/** Holds the points an order wants to redeem, or reports that they are not available. */
export const orderPlaced: EventHandler<Env, EventOf<Catalog, "OrderPlaced">> = async (
  event,
  { db },
) => {
  const { orderId, customerId, pointsToRedeem } = event.payload;
  const hold = await db
    .select({ status: holds.status })
    .from(holds)
    .where(eq(holds.orderId, orderId))
    .get();
  const plan = planReservation(pointsToRedeem, hold);
  if (plan.action === "skip") return {};

  const now = Date.now();
  const points = plan.points;
  const envelope = sagaEvent(event, orderId, customerId);
  // NULL when the account is missing or has fewer than `points` available: NOT NULL fails the
  // batch, so two orders racing for the same points can not both get them.
  const availablePoints = sql`(${db
    .select({ points: sql`${points}` })
    .from(accounts)
    .where(
      and(
        eq(accounts.customerId, customerId),
        gte(sql`${accounts.balance} - ${accounts.reserved}`, points),
      ),
    )})`;
  const reserve: Decision = {
    statements: [
      db.insert(holds).values({
        orderId,
        customerId,
        points: availablePoints,
        status: "HELD",
        createdAt: now,
        updatedAt: now,
      }),
      db
        .update(accounts)
        .set({ reserved: sql`${accounts.reserved} + ${points}`, updatedAt: now })
        .where(eq(accounts.customerId, customerId)),
    ],
    events: [
      catalog.create("PointsReserved", { ...envelope, payload: { orderId, customerId, points } }),
    ],
  };
  // The failed attempt is remembered too: a redelivered OrderPlaced then finds the row and stops.
  const refuse: Decision = {
    statements: [
      db
        .insert(holds)
        .values({ orderId, customerId, points, status: "FAILED", createdAt: now, updatedAt: now }),
    ],
    events: [
      catalog.create("PointsReservationFailed", {
        ...envelope,
        payload: { orderId, customerId, points, reason: "INSUFFICIENT_POINTS" },
      }),
    ],
  };
  return [reserve, refuse];
};
