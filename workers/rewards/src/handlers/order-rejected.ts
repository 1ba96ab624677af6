import type { Catalog } from "@edge-saga/contracts";
import type { EventHandler, EventOf } from "@edge-saga/shared";
import { and, eq, sql } from "drizzle-orm";
import { holdIs } from "../db/guards";
import { accounts, holds } from "../db/tables";
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
      // Conflicts with a hold committed since the read: the kit then re-runs this handler.
      return {
        statements: [
          db.insert(holds).values({
            orderId,
            customerId,
            points: 0,
            status: "RELEASED",
            createdAt: now,
            updatedAt: now,
          }),
        ],
      };
    case "release":
      return {
        statements: [
          db
            .update(accounts)
            .set({ reserved: sql`${accounts.reserved} - ${plan.points}`, updatedAt: now })
            .where(
              and(eq(accounts.customerId, hold?.customerId ?? customerId), holdIs(orderId, "HELD")),
            ),
          db
            .update(holds)
            .set({ status: "RELEASED", updatedAt: now })
            .where(and(eq(holds.orderId, orderId), eq(holds.status, "HELD"))),
        ],
      };
  }
};
