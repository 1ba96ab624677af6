import type { Catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId, type Statement } from "@edge-saga/shared";
import { and, eq } from "drizzle-orm";
import { appendToLedgers, type NewEntry } from "../db/account-store";
import { awardIs, holdIs } from "../db/guards";
import { awards, holds } from "../db/tables";
import { tombstoneRow } from "../db/tombstones";
import {
  type AwardCompensation,
  type HoldCompensation,
  planCancellation,
} from "../domain/plan-cancellation";
import type { HoldStatus } from "../domain/statuses";

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
/** Steps without ledger entries: none at all, or statements on the hold or award alone. */
const statementsOnly = (...statements: Statement[]): Steps => ({ entries: [], statements });

/** The hold moves from `from` to `to`, and `entry` goes to the ledger while it is in `from`. */
function holdMoves(
  db: Db,
  at: Context,
  from: HoldStatus,
  to: HoldStatus,
  entry: Pick<NewEntry, "kind" | "points" | "reserved">,
): Steps {
  const { orderId, customerId, causationId, now } = at;
  return {
    entries: [
      { id: newId(), customerId, orderId, ...entry, causationId, guard: holdIs(orderId, from) },
    ],
    statements: [
      db
        .update(holds)
        .set({ status: to, updatedAt: now })
        .where(and(eq(holds.orderId, orderId), eq(holds.status, from))),
    ],
  };
}

function holdStatements(db: Db, step: HoldCompensation, at: Context): Steps {
  switch (step.action) {
    case "none":
      return statementsOnly();
    case "tombstone":
      return statementsOnly(
        db.insert(holds).values(tombstoneRow(at.orderId, at.customerId, "CANCELLED", at.now)),
      );
    case "release":
      return holdMoves(db, at, "HELD", "CANCELLED", {
        kind: "RELEASE",
        points: 0,
        reserved: -step.points,
      });
    case "refund":
      return holdMoves(db, at, "CAPTURED", "REFUNDED", { kind: "REFUND", points: step.points });
  }
}

function awardStatements(db: Db, step: AwardCompensation, at: Context): Steps {
  const { orderId, customerId, causationId, now } = at;
  switch (step.action) {
    case "none":
      return statementsOnly();
    case "tombstone":
      // Conflicts with an award committed since the read: the kit then re-runs the handler,
      // which reads the award and claws it back.
      return statementsOnly(
        db.insert(awards).values(tombstoneRow(orderId, customerId, "REVOKED", now)),
      );
    case "clawback": {
      const revoke = db
        .update(awards)
        .set({ status: "REVOKED", updatedAt: now })
        .where(and(eq(awards.orderId, orderId), eq(awards.status, "AWARDED")));
      if (step.points === 0) return statementsOnly(revoke);
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
