import {
  type AnyD1Database,
  causedBy,
  type Decision,
  type Envelope,
  type EventHandler,
  loggerFor,
} from "@edge-saga/shared";
import { eq } from "drizzle-orm";
import { keepEarlyReply } from "../db/early-replies";
import { changeStatements, findOrder, sagaStateOf } from "../db/order-store";
import { saidOf, stockAnswerInsert, stockAnswersQuery } from "../db/stock-answers";
import { type OrderRow, orders } from "../db/tables";
import { decideReply, type SagaEvent, type SagaReply, type SagaState } from "../domain/saga";
import {
  answersOf,
  decideStockAnswer,
  type ShardAnswer,
  type ShardSaid,
  saidBy,
} from "../domain/stock-answers";
import { orderEvent } from "../events/order-events";

/**
 * A participant's answer to OrderPlaced, as the saga rules read it. Inventory's may say which
 * of its shards answers (`shard`) among all the order's SKUs live on (`shards`).
 */
export type ReplyEvent = Envelope<{
  orderId: string;
  reason?: string;
  shard?: number;
  shards?: readonly number[];
}>;

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

/** One inventory shard's answer for its lines; undefined for an answer that covers the order. */
export function shardAnswerOf(event: ReplyEvent, reply: SagaReply): ShardAnswer | undefined {
  const { shard, shards } = event.payload;
  if (shard === undefined) return undefined;
  if (reply.type !== "StockReserved" && reply.type !== "StockReservationFailed") return undefined;
  // Without `shards` the answer names only itself among the shards.
  return { shard, shards: shards ?? [shard], reply };
}

export type AnswerDecision =
  | { kind: "ignore"; why: string }
  | {
      kind: "change";
      state: SagaState;
      event: SagaEvent | null;
      /** A shard's answer to record (stock_answers), beside the order's change. */
      said?: ShardSaid;
    };

/**
 * What `answer` does to order `row`: the saga rules (saga.ts), through the collection of the
 * inventory shards' answers (stock-answers.ts, `said`: what each said so far) for an answer
 * from one shard of several.
 */
export function decideAnswer(
  row: OrderRow,
  said: readonly ShardSaid[],
  answer: ReplyEvent,
  reply: SagaReply,
): AnswerDecision {
  const state = sagaStateOf(row);
  const shardAnswer = shardAnswerOf(answer, reply);
  if (!shardAnswer) return decideReply(state, reply);
  const decision = decideStockAnswer(state, answersOf(said), shardAnswer);
  if (decision.kind === "ignore") return decision;
  const { answers: _, ...change } = decision;
  return { ...change, said: saidBy(shardAnswer) };
}

/** The order, and for a shard's answer what the shards said so far: one D1 call either way. */
async function readForAnswer(
  db: AnyD1Database,
  orderId: string,
  shardAnswer: boolean,
): Promise<{ row: OrderRow | undefined; said: ShardSaid[] }> {
  if (!shardAnswer) return { row: await findOrder(db, orderId), said: [] };
  const [rows, said] = await db.batch([
    db.select().from(orders).where(eq(orders.id, orderId)),
    stockAnswersQuery(db, orderId),
  ]);
  return { row: rows[0], said: saidOf(said) };
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
    const { row, said } = await readForAnswer(
      db,
      orderId,
      shardAnswerOf(event, reply) !== undefined,
    );
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
    const decision = decideAnswer(row, said, event, reply);
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
      // A shard's answer that decides nothing still bumps the version: two shards' answers
      // read at one version cannot both commit, so the later one sees the first (and decides).
      statements: [
        ...changeStatements(db, row, decision.state, {
          change: event.type,
          cause: event.id,
          now,
        }),
        ...(decision.said
          ? [stockAnswerInsert(db, orderId, decision.said, { eventId: event.id, now })]
          : []),
      ],
      events: decision.event
        ? [orderEvent(row, decision.event, row.version + 1, causedBy(event))]
        : [],
    };
  };
}
