import type { Catalog } from "@edge-saga/contracts";
import { type EventHandler, type EventOf, newId } from "@edge-saga/shared";
import { and, eq } from "drizzle-orm";
import { appendToLedgers } from "../db/account-store";
import { holdIs } from "../db/guards";
import { holds } from "../db/tables";
import { tombstoneRow } from "../db/tombstones";
import { planRejection } from "../domain/plan-rejection";

/** Compensation: a rejected order's held points become available again. */
export const orderRejected: EventHandler<Env, EventOf<Catalog, "OrderRejected">> = async (
  event,
  { db },
) => {
  const { orderId, customerId } = event.payload;
  const hold = await db.select().from(holds).where(eq(holds.orderId, orderId)).get();
  const plan = planRejection(hold);
  const now = Date.now();
  switch (plan.action) {
    case "skip":
      return {};
    case "tombstone":
      return {
        statements: [db.insert(holds).values(tombstoneRow(orderId, customerId, "RELEASED", now))],
      };
    case "release":
      return {
        statements: [
          ...(await appendToLedgers(
            db,
            [
              {
                id: newId(),
                customerId: hold?.customerId ?? customerId,
                orderId,
                kind: "RELEASE",
                points: 0,
                reserved: -plan.points,
                causationId: event.id,
                guard: holdIs(orderId, "HELD"),
              },
            ],
            now,
          )),
          db
            .update(holds)
            .set({ status: "RELEASED", updatedAt: now })
            .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
        ],
      };
  }
};
