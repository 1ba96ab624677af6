import type { Catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId, type Statement } from "@edge-saga/shared";
import { and, eq, sql } from "drizzle-orm";
import { awardIs, holdIs, insertLedgerIf } from "../db/guards";
import { accounts, awards, holds } from "../db/tables";
import {
  type AwardCompensation,
  type HoldCompensation,
  planCancellation,
} from "../domain/plan-cancellation";

/**
 * Compensation for a cancelled order: held points are released, redeemed ones refunded,
 * earned ones clawed back. Whatever has not arrived yet gets a tombstone, so a late
 * OrderPlaced holds nothing and a late OrderConfirmed neither captures nor awards.
 */
export const orderCancelled: EventHandler<Env, EventOf<Catalog, "OrderCancelled">> = async (
  event,
  { db },
) => {
  const { orderId, customerId } = event.payload;
  const [hold, award] = await Promise.all([
    db.select().from(holds).where(eq(holds.orderId, orderId)).get(),
    db.select().from(awards).where(eq(awards.orderId, orderId)).get(),
  ]);
  const plan = planCancellation(hold, award);
  const at = { orderId, causationId: event.id, now: Date.now() };
  return {
    statements: [
      ...holdStatements(db, plan.hold, { ...at, customerId: hold?.customerId ?? customerId }),
      ...awardStatements(db, plan.award, { ...at, customerId: award?.customerId ?? customerId }),
    ],
  };
};

interface Context {
  orderId: string;
  customerId: string;
  causationId: string;
  now: number;
}

type Db = Parameters<typeof insertLedgerIf>[0];

function holdStatements(db: Db, step: HoldCompensation, at: Context): Statement[] {
  const { orderId, customerId, now } = at;
  switch (step.action) {
    case "none":
      return [];
    case "tombstone":
      // Conflicts with a hold committed since the read: the kit then re-runs the handler.
      return [
        db.insert(holds).values({
          orderId,
          customerId,
          points: 0,
          status: "CANCELLED",
          createdAt: now,
          updatedAt: now,
        }),
      ];
    case "release":
      return [
        db
          .update(accounts)
          .set({ reserved: sql`${accounts.reserved} - ${step.points}`, updatedAt: now })
          .where(and(eq(accounts.customerId, customerId), holdIs(orderId, "HELD"))),
        db
          .update(holds)
          .set({ status: "CANCELLED", updatedAt: now })
          .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
      ];
    case "refund": {
      const captured = holdIs(orderId, "CAPTURED");
      return [
        insertLedgerIf(
          db,
          {
            id: newId(),
            customerId,
            orderId,
            kind: "REFUND",
            points: step.points,
            causationId: at.causationId,
            createdAt: now,
          },
          captured,
        ),
        db
          .update(accounts)
          .set({ balance: sql`${accounts.balance} + ${step.points}`, updatedAt: now })
          .where(and(eq(accounts.customerId, customerId), captured)),
        db
          .update(holds)
          .set({ status: "REFUNDED", updatedAt: now })
          .where(and(eq(holds.orderId, orderId), eq(holds.status, "CAPTURED"))),
      ];
    }
  }
}

function awardStatements(db: Db, step: AwardCompensation, at: Context): Statement[] {
  const { orderId, customerId, now } = at;
  switch (step.action) {
    case "none":
      return [];
    case "tombstone":
      // Conflicts with an award committed since the read: the kit then re-runs the handler,
      // which reads the award and claws it back.
      return [
        db.insert(awards).values({
          orderId,
          customerId,
          points: 0,
          status: "REVOKED",
          createdAt: now,
          updatedAt: now,
        }),
      ];
    case "clawback": {
      const awarded = awardIs(orderId, "AWARDED");
      const revoke = db
        .update(awards)
        .set({ status: "REVOKED", updatedAt: now })
        .where(and(eq(awards.orderId, orderId), eq(awards.status, "AWARDED")));
      if (step.points === 0) return [revoke];
      return [
        insertLedgerIf(
          db,
          {
            id: newId(),
            customerId,
            orderId,
            kind: "CLAWBACK",
            points: -step.points,
            causationId: at.causationId,
            createdAt: now,
          },
          awarded,
        ),
        // No floor on balance: the points were credited by this order, so they always come back.
        db
          .update(accounts)
          .set({
            balance: sql`${accounts.balance} - ${step.points}`,
            lifetimeEarned: sql`${accounts.lifetimeEarned} - ${step.points}`,
            updatedAt: now,
          })
          .where(and(eq(accounts.customerId, customerId), awarded)),
        revoke,
      ];
    }
  }
}
