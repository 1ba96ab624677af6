import {
  causedBy,
  type Decision,
  type Envelope,
  type EventHandler,
  loggerFor,
} from "@edge-saga/shared";
import { changeStatements, findOrder, sagaStateOf } from "../db/order-store";
import { decideReply, type SagaReply } from "../domain/saga";
import { orderEvent } from "../events/order-events";

/**
 * A handler applying a participant's answer with the saga rules. A stale or duplicate answer
 * commits nothing but the inbox row; a change is guarded by the order's version, so two
 * answers read at the same version cannot both commit (the kit re-runs the loser with a fresh read).
 */
export function sagaReplyHandler<E extends Envelope<{ orderId: string }>>(
  toReply: (event: E) => SagaReply,
): EventHandler<Env, E> {
  return async (event, { db, env }): Promise<Decision> => {
    const orderId = event.payload.orderId;
    const row = await findOrder(db, orderId);
    const log = loggerFor(env, { service: "order" });
    if (!row) {
      log.warn("reply for an unknown order ignored", {
        eventId: event.id,
        type: event.type,
        orderId,
      });
      return {};
    }
    const decision = decideReply(sagaStateOf(row), toReply(event));
    if (decision.kind === "ignore") {
      // One line per event: debug (a redelivered reply is routine).
      log.debug("stale or duplicate reply ignored", {
        eventId: event.id,
        type: event.type,
        orderId,
        status: row.status,
        why: decision.why,
      });
      return {};
    }
    const now = Date.now();
    return {
      statements: changeStatements(db, row, decision.state, {
        change: event.type,
        cause: event.id,
        now,
      }),
      events: decision.event
        ? [orderEvent(row, decision.event, row.version + 1, causedBy(event))]
        : [],
    };
  };
}
