import type { Catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId, type Statement } from "@edge-saga/shared";
import { and, eq } from "drizzle-orm";
import { appendToLedgers, type NewEntry } from "../db/account-store";
import { awardIs, holdIs } from "../db/guards";
import { awards, holds } from "../db/tables";
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
  const holdSteps = holdStatements(db, plan.hold, {
    ...at,
    customerId: hold?.customerId ?? customerId,
  });
  const awardSteps = awardStatements(db, plan.award, {
    ...at,
    customerId: award?.customerId ?? customerId,
  });
  return {
    statements: [
      // Ledger entries first: their guards read the statuses the statements after them change.
      ...(await appendToLedgers(db, [...holdSteps.entries, ...awardSteps.entries], at.now)),
      ...holdSteps.statements,
      ...awardSteps.statements,
    ],
  };
};

interface Context {
  orderId: string;
  customerId: string;
  causationId: string;
  now: number;
}

type Db = Parameters<typeof appendToLedgers>[0];
interface Steps {
  entries: NewEntry[];
  statements: Statement[];
}

function holdStatements(db: Db, step: HoldCompensation, at: Context): Steps {
  const { orderId, customerId, causationId, now } = at;
  switch (step.action) {
    case "none":
      return { entries: [], statements: [] };
    case "tombstone":
      // Conflicts with a hold committed since the read: the kit then re-runs the handler.
      return {
        entries: [],
        statements: [
          db.insert(holds).values({
            orderId,
            customerId,
            points: 0,
            status: "CANCELLED",
            createdAt: now,
            updatedAt: now,
          }),
        ],
      };
    case "release":
      return {
        entries: [
          {
            id: newId(),
            customerId,
            orderId,
            kind: "RELEASE",
            points: 0,
            reserved: -step.points,
            causationId,
            guard: holdIs(orderId, "HELD"),
          },
        ],
        statements: [
          db
            .update(holds)
            .set({ status: "CANCELLED", updatedAt: now })
            .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
        ],
      };
    case "refund":
      return {
        entries: [
          {
            id: newId(),
            customerId,
            orderId,
            kind: "REFUND",
            points: step.points,
            causationId,
            guard: holdIs(orderId, "CAPTURED"),
          },
        ],
        statements: [
          db
            .update(holds)
            .set({ status: "REFUNDED", updatedAt: now })
            .where(and(eq(holds.orderId, orderId), eq(holds.status, "CAPTURED"))),
        ],
      };
  }
}

function awardStatements(db: Db, step: AwardCompensation, at: Context): Steps {
  const { orderId, customerId, causationId, now } = at;
  switch (step.action) {
    case "none":
      return { entries: [], statements: [] };
    case "tombstone":
      // Conflicts with an award committed since the read: the kit then re-runs the handler,
      // which reads the award and claws it back.
      return {
        entries: [],
        statements: [
          db.insert(awards).values({
            orderId,
            customerId,
            points: 0,
            status: "REVOKED",
            createdAt: now,
            updatedAt: now,
          }),
        ],
      };
    case "clawback": {
      const revoke = db
        .update(awards)
        .set({ status: "REVOKED", updatedAt: now })
        .where(and(eq(awards.orderId, orderId), eq(awards.status, "AWARDED")));
      if (step.points === 0) return { entries: [], statements: [revoke] };
      // No floor on balance: the points were credited by this order, so they always come back.
      return {
        entries: [
          {
            id: newId(),
            customerId,
            orderId,
            kind: "CLAWBACK",
            points: -step.points,
            causationId,
            guard: awardIs(orderId, "AWARDED"),
          },
        ],
        statements: [revoke],
      };
    }
  }
}
