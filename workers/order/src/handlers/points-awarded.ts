import type { Catalog } from "@edge-saga/contracts";
import { type Decision, type EventHandler, type EventOf, loggerFor } from "@edge-saga/shared";
import { changeStatements, findOrder, sagaStateOf } from "../db/order-store";
import { decidePointsAwarded } from "../domain/saga";

/** Rewards credited the earned points: recorded on the order (and in its history), status unchanged. */
export const pointsAwarded: EventHandler<Env, EventOf<Catalog, "PointsAwarded">> = async (
  event,
  { db, env },
): Promise<Decision> => {
  const orderId = event.payload.orderId;
  const row = await findOrder(db, orderId);
  const log = loggerFor(env, { service: "order" });
  if (!row) {
    log.warn("PointsAwarded for an unknown order ignored", { eventId: event.id, orderId });
    return {};
  }
  if (event.payload.points !== row.pointsEarned) {
    // Invariant 4 says these agree; say so loudly, but the fact that rewards credited stands.
    log.warn("awarded points differ from the order's pointsEarned", {
      eventId: event.id,
      orderId,
      awarded: event.payload.points,
      pointsEarned: row.pointsEarned,
    });
  }
  const decision = decidePointsAwarded(sagaStateOf(row));
  if (decision.kind === "ignore") return {};
  return {
    statements: changeStatements(db, row, decision.state, {
      change: event.type,
      cause: event.id,
      now: Date.now(),
    }),
  };
};
