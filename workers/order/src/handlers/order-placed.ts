import { type Catalog, catalog } from "@edge-saga/contracts";
import {
  causedBy,
  type Envelope,
  type EventHandler,
  type EventOf,
  outboxInserts,
} from "@edge-saga/shared";
import { dropEarlyReplies, earlyRepliesFor, whileKeptRepliesAre } from "../db/early-replies";
import {
  changedRow,
  creationStatements,
  findOrder,
  placedRow,
  transitionInsert,
} from "../db/order-store";
import { stockAnswerInsert } from "../db/stock-answers";
import type { OrderRow } from "../db/tables";
import type { ShardSaid } from "../domain/stock-answers";
import { orderEvent } from "../events/order-events";
import { decideAnswer, type ReplyEvent, replyOf } from "./saga-reply";

/**
 * WRITE_PATH=self-read: the order service's own OrderPlaced creates the order. The answers
 * that came before it (kept by saga-reply.ts) are applied in the same batch, in the order
 * they came, so the order may be created already decided. The event is recorded in the outbox
 * as sent, awaiting each subscriber's receipt: one whose copy the request could not deliver
 * gets it again from the relay. An order that exists already (any other path, or a copy) is
 * left alone.
 */
export const orderPlaced: EventHandler<Env, EventOf<Catalog, "OrderPlaced">> = async (
  event,
  { db },
) => {
  const { orderId, customerId, items, totalCents, pointsToRedeem, paymentMethod } = event.payload;
  if (await findOrder(db, orderId)) return {};
  const kept = await earlyRepliesFor(db, orderId);
  const now = Date.now();

  const placed = placedRow({
    id: orderId,
    customerId,
    totalCents,
    pointsRedeemed: pointsToRedeem,
    paymentMethod: paymentMethod ?? null,
    createdAt: Date.parse(event.occurredAt),
    writePath: "self-read",
  });
  let row: OrderRow = placed;
  const changes = [];
  const events: Envelope[] = [];
  // What inventory shards said among the kept answers: none is recorded before the order exists.
  const said: ShardSaid[] = [];
  for (const { body } of kept) {
    const answer = JSON.parse(body) as ReplyEvent;
    const reply = replyOf(answer);
    if (!reply) continue;
    const decision = decideAnswer(row, said, answer, reply);
    if (decision.kind === "ignore") continue;
    const next = changedRow(row, decision.state, now);
    changes.push(transitionInsert(db, row, next, { change: answer.type, cause: answer.id, now }));
    if (decision.said) {
      said.push(decision.said);
      changes.push(stockAnswerInsert(db, orderId, decision.said, { eventId: answer.id, now }));
    }
    if (decision.event)
      events.push(orderEvent(row, decision.event, next.version, causedBy(answer)));
    row = next;
  }

  return {
    statements: [
      ...creationStatements(db, row, items, {
        cause: event.causationId,
        guardedStatus: whileKeptRepliesAre(row.status, orderId, kept.length),
      }),
      ...changes,
      ...dropEarlyReplies(
        db,
        kept.map((k) => k.eventId),
      ),
      ...outboxInserts(db, [event], now, { subscribersOf: catalog.subscribersOf }),
    ],
    events,
  };
};
