import { type Catalog, catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId, type Statement } from "@edge-saga/shared";
import { and, eq, sql } from "drizzle-orm";
import { holdIs, insertLedgerIf } from "../db/guards";
import { accounts, awards, holds, ledger } from "../db/tables";
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
  const statements: Statement[] = [];
  if (plan.capture > 0) {
    const held = holdIs(orderId, "HELD");
    const holder = hold?.customerId ?? customerId;
    statements.push(
      insertLedgerIf(
        db,
        {
          id: newId(),
          customerId: holder,
          orderId,
          kind: "REDEEM",
          points: -plan.capture,
          causationId: event.id,
          createdAt: now,
        },
        held,
      ),
      db
        .update(accounts)
        .set({
          balance: sql`${accounts.balance} - ${plan.capture}`,
          reserved: sql`${accounts.reserved} - ${plan.capture}`,
          updatedAt: now,
        })
        .where(and(eq(accounts.customerId, holder), held)),
      db
        .update(holds)
        .set({ status: "CAPTURED", updatedAt: now })
        .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
    );
  }
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
  if (plan.award > 0) {
    statements.push(
      db
        .insert(accounts)
        .values({
          customerId,
          balance: plan.award,
          lifetimeEarned: plan.award,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: accounts.customerId,
          set: {
            balance: sql`${accounts.balance} + ${plan.award}`,
            lifetimeEarned: sql`${accounts.lifetimeEarned} + ${plan.award}`,
            updatedAt: now,
          },
        }),
      db.insert(ledger).values({
        id: newId(),
        customerId,
        orderId,
        kind: "EARN",
        points: plan.award,
        causationId: event.id,
        createdAt: now,
      }),
    );
  }
  return {
    statements,
    events: [
      catalog.create("PointsAwarded", {
        ...sagaEvent(event, orderId, customerId),
        payload: { orderId, customerId, points: plan.award },
      }),
    ],
  };
};
