import { type Catalog, catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId, type Statement } from "@edge-saga/shared";
import { and, eq } from "drizzle-orm";
import { appendToLedgers, type NewEntry } from "../db/account-store";
import { holdIs } from "../db/guards";
import { awards, holds } from "../db/tables";
import { planConfirmation } from "../domain/plan-confirmation";
import { sagaEvent } from "./saga-event";

/** Turns the order's held points into redeemed ones and credits the points it earned. */
export const orderConfirmed: EventHandler<Env, EventOf<Catalog, "OrderConfirmed">> = async (
  event,
  { db },
) => {
  const { orderId, customerId, pointsRedeemed, pointsEarned } = event.payload;
  const [hold, award] = await Promise.all([
    db.select().from(holds).where(eq(holds.orderId, orderId)).get(),
    db.select().from(awards).where(eq(awards.orderId, orderId)).get(),
  ]);
  const plan = planConfirmation({ pointsRedeemed, pointsEarned }, hold, award);
  // Retried and finally dead-lettered, where an operator sees it; absorbing it would break invariant 4.
  if (plan.action === "anomaly") throw new Error(`OrderConfirmed ${orderId}: ${plan.message}`);
  if (plan.action === "skip") return {};

  const now = Date.now();
  const entries: NewEntry[] = [];
  const statements: Statement[] = [];
  if (plan.capture > 0) {
    entries.push({
      id: newId(),
      customerId: hold?.customerId ?? customerId,
      orderId,
      kind: "REDEEM",
      points: -plan.capture,
      reserved: -plan.capture,
      causationId: event.id,
      guard: holdIs(orderId, "HELD"),
    });
    statements.push(
      db
        .update(holds)
        .set({ status: "CAPTURED", updatedAt: now })
        .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
    );
  }
  if (plan.award > 0)
    entries.push({
      id: newId(),
      customerId,
      orderId,
      kind: "EARN",
      points: plan.award,
      causationId: event.id,
    });
  // The primary key refuses a second award, or one after a cancel's tombstone, rolling back the
  // capture above too; the kit then re-runs this handler, which reads the award row and skips.
  statements.push(
    db.insert(awards).values({
      orderId,
      customerId,
      points: plan.award,
      status: "AWARDED",
      createdAt: now,
      updatedAt: now,
    }),
  );
  return {
    // Ledger entries first: the REDEEM's guard reads the hold status changed after it.
    statements: [...(await appendToLedgers(db, entries, now)), ...statements],
    events: [
      catalog.create("PointsAwarded", {
        ...sagaEvent(event, orderId, customerId),
        payload: { orderId, customerId, points: plan.award },
      }),
    ],
  };
};
