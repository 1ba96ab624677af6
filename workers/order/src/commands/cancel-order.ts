import type { Order } from "@edge-saga/contracts";
import {
  type Caller,
  continueSaga,
  type Envelope,
  type LinkedSpan,
  mayActFor,
  outboxInserts,
  retryOnConflict,
  runBatch,
  sagaTraces,
  type TraceContext,
} from "@edge-saga/shared";
import type { Database } from "../db/client";
import {
  changedRow,
  changeStatements,
  findItems,
  findOrder,
  sagaStateOf,
  toOrderJson,
} from "../db/order-store";
import type { OrderRow } from "../db/tables";
import { decideCancel } from "../domain/saga";
import { orderEvent } from "../events/order-events";

export interface CancelOrderRequest {
  orderId: string;
  /** Who asks: a customer cancels only her own orders, an admin any. */
  caller: Caller;
  /** Causation id of the cancel's event (the gateway's request id). */
  cause: string;
  /** The request's span: a link of the cancel's span, whose parent is the saga's own trace. */
  trace?: TraceContext;
}

export type CancelOrderOutcome =
  /** Committed with its event in the outbox; the caller pokes the relay. */
  | { kind: "CANCELLED"; order: Order; event: Envelope; trace: LinkedSpan }
  /** No such order, or not the caller's: the two are one answer, so neither is revealed. */
  | { kind: "NOT_FOUND" }
  /** The saga rules refuse a cancel in this status. */
  | { kind: "REFUSED"; status: OrderRow["status"] }
  /** Saga replies kept changing the order under every attempt. */
  | { kind: "CONFLICT" };

/** One attempt's result: committed (the order JSON is read after the loop) or an answer. */
type Attempt =
  | { kind: "COMMITTED"; row: OrderRow; event: Envelope; trace: LinkedSpan }
  | Exclude<CancelOrderOutcome, { kind: "CANCELLED" }>;

/** Cancel re-reads and re-decides this often when a saga reply changed the order meanwhile. */
const CANCEL_ATTEMPTS = 3;

/** Cancels an order if the saga rules allow it now, retrying on a concurrent change. */
export async function cancelOrder(
  db: Database,
  { orderId, caller, cause, trace }: CancelOrderRequest,
): Promise<CancelOrderOutcome> {
  // Read once, for the order the caller may cancel: its saga's trace does not change.
  let span: LinkedSpan | undefined;
  const done = await retryOnConflict<Attempt>({
    attempts: CANCEL_ATTEMPTS,
    // A constraint refusal: a saga reply changed the order since we read it.
    attempt: async () => {
      const row = await findOrder(db, orderId);
      if (!row || !mayActFor(caller, row.customerId)) return { kind: "NOT_FOUND" };
      const decision = decideCancel(sagaStateOf(row));
      if (decision.kind === "refuse") return { kind: "REFUSED", status: row.status };
      span ??= continueSaga((await sagaTraces(db, [orderId])).get(orderId), trace);
      const now = Date.now();
      const event = orderEvent(row, decision.event, row.version + 1, { causationId: cause });
      await runBatch(db, [
        ...changeStatements(db, row, decision.state, { change: "CancelOrder", cause, now }),
        ...outboxInserts(db, [event], now, undefined, span.span),
      ]);
      return { kind: "COMMITTED", row: changedRow(row, decision.state, now), event, trace: span };
    },
    onExhausted: () => ({ kind: "CONFLICT" }),
  });
  if (done.kind !== "COMMITTED") return done;
  const items = await findItems(db, [orderId]);
  return {
    kind: "CANCELLED",
    order: toOrderJson(done.row, items.get(orderId) ?? []),
    event: done.event,
    trace: done.trace,
  };
}
