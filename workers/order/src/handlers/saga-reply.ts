import {
  causedBy,
  type Decision,
  type Envelope,
  type EventHandler,
  loggerFor,
} from "@edge-saga/shared";
import { keepEarlyReply } from "../db/early-replies";
import { changeStatements, findOrder, sagaStateOf } from "../db/order-store";
import { decideReply, type SagaReply } from "../domain/saga";
import { orderEvent } from "../events/order-events";

/** A participant's answer to OrderPlaced, as the saga rules read it. */
export type ReplyEvent = Envelope<{ orderId: string; reason?: string }>;

/** The saga's reading of a participant's event; undefined for an event that is no answer. */
export function replyOf(event: ReplyEvent): SagaReply | undefined {
  const { reason } = event.payload;
  switch (event.type) {
    case "StockReserved":
    case "PointsReserved":
      return { type: event.type };
    case "StockReservationFailed":
      return reason === "OUT_OF_STOCK" || reason === "UNKNOWN_PRODUCT"
        ? { type: event.type, reason }
        : undefined;
    case "PointsReservationFailed":
      return reason === "INSUFFICIENT_POINTS" ? { type: event.type, reason } : undefined;
    case "PaymentAuthorized":
      return { type: event.type };
    // Whatever the card's decline code, the order is rejected for the same reason.
    case "PaymentDeclined":
      return { type: event.type, reason: "PAYMENT_DECLINED" };
    default:
      return undefined;
  }
}

/**
 * The handler of a participant's answer. A stale or duplicate answer commits nothing but the
 * inbox row; a change is guarded by the order's version, so two answers read at the same
 * version cannot both commit (the kit re-runs the loser with a fresh read). An answer for an
 * order that does not exist yet (self-read: the order comes with this service's own
 * OrderPlaced, which may be behind) is kept and applied when the order is created.
 */
export function sagaReplyHandler<E extends ReplyEvent>(): EventHandler<Env, E> {
  return async (event, { db, env }): Promise<Decision> => {
    const orderId = event.payload.orderId;
    const reply = replyOf(event);
    if (!reply) throw new Error(`${event.type} is not an answer the order saga knows`);
    const row = await findOrder(db, orderId);
    const log = loggerFor(env, { service: "order" });
    const now = Date.now();
    if (!row) {
      log.debug("reply kept until its order exists", {
        eventId: event.id,
        type: event.type,
        orderId,
      });
      return { statements: [keepEarlyReply(db, event, now)] };
    }
    const decision = decideReply(sagaStateOf(row), reply);
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
