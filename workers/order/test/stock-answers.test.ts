import { describe, expect, it } from "vitest";
import { placedRow, sagaStateOf } from "../src/db/order-store";
import { initialState, type SagaState } from "../src/domain/saga";
import {
  answersOf,
  collectStockAnswer,
  decideStockAnswer,
  type ShardAnswer,
  type StockAnswers,
} from "../src/domain/stock-answers";
import { decideAnswer, type ReplyEvent } from "../src/handlers/saga-reply";

const reserved = (shard: number, shards = [0, 1]): ShardAnswer => ({
  shard,
  shards,
  reply: { type: "StockReserved" },
});
const failed = (
  shard: number,
  reason: "OUT_OF_STOCK" | "UNKNOWN_PRODUCT" = "OUT_OF_STOCK",
  shards = [0, 1],
): ShardAnswer => ({ shard, shards, reply: { type: "StockReservationFailed", reason } });

/** A card-paid order without points: it waits for stock and the card. */
const pending = (): SagaState => ({ ...initialState(1000, 0), paymentState: "AUTHORIZED" });

/** Applies answers the way the handler does (a change replaces state and answers). */
function run(answers: ShardAnswer[], state = pending()) {
  let current = state;
  let stored: StockAnswers | null = null;
  const events: string[] = [];
  for (const answer of answers) {
    const decision = decideStockAnswer(current, stored, answer);
    if (decision.kind === "ignore") continue;
    current = decision.state;
    stored = decision.answers;
    if (decision.event) events.push(decision.event.type);
  }
  return { state: current, stored, events };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe("collectStockAnswer", () => {
  it("waits for every listed shard, then says the order's stock is reserved", () => {
    const first = collectStockAnswer(null, reserved(1));
    expect(first).toEqual({
      kind: "recorded",
      answers: { shards: [0, 1], answered: { "1": "RESERVED" } },
      reply: null,
    });
    const answers = first.kind === "recorded" ? first.answers : null;
    expect(collectStockAnswer(answers, reserved(0))).toEqual({
      kind: "recorded",
      answers: { shards: [0, 1], answered: { "0": "RESERVED", "1": "RESERVED" } },
      reply: { type: "StockReserved" },
    });
  });

  it("a shard's failure is the order's failure at once, with its reason", () => {
    expect(collectStockAnswer(null, failed(1, "UNKNOWN_PRODUCT"))).toMatchObject({
      kind: "recorded",
      reply: { type: "StockReservationFailed", reason: "UNKNOWN_PRODUCT" },
    });
  });

  it("a shard answering again is a duplicate, whatever it says", () => {
    const answers: StockAnswers = { shards: [0, 1], answered: { "0": "RESERVED" } };
    expect(collectStockAnswer(answers, reserved(0))).toEqual({ kind: "duplicate" });
    expect(collectStockAnswer(answers, failed(0))).toEqual({ kind: "duplicate" });
  });

  it("waits for every shard any answer named", () => {
    const first = collectStockAnswer(null, reserved(0, [0, 1, 2]));
    const answers = first.kind === "recorded" ? first.answers : null;
    // The second names fewer shards: shard 2 is still awaited.
    expect(collectStockAnswer(answers, reserved(1, [0, 1]))).toMatchObject({ reply: null });
  });

  it("an order on one inventory shard is decided by that shard's answer", () => {
    expect(collectStockAnswer(null, reserved(1, [1]))).toMatchObject({
      reply: { type: "StockReserved" },
    });
  });
});

describe("decideStockAnswer", () => {
  it("confirms only after both shards reserved", () => {
    const one = run([reserved(0)]);
    expect(one.state.status).toBe("PENDING");
    expect(one.state.stockState).toBe("PENDING");
    expect(one.events).toEqual([]);
    const both = run([reserved(0), reserved(1)]);
    expect(both.state).toMatchObject({ status: "CONFIRMED", stockState: "RESERVED" });
    expect(both.events).toEqual(["OrderConfirmed"]);
  });

  it("rejects when one shard fails, even after the other reserved", () => {
    const result = run([reserved(0), failed(1)]);
    expect(result.state).toMatchObject({
      status: "REJECTED",
      stockState: "FAILED",
      rejectionReason: "OUT_OF_STOCK",
    });
    expect(result.events).toEqual(["OrderRejected"]);
  });

  it("any arrival order and duplicates end in the same decision, announced once", () => {
    const confirming = [reserved(0), reserved(1), reserved(0), reserved(1)];
    for (const answers of permutations(confirming)) {
      const result = run(answers);
      expect(result.state.status).toBe("CONFIRMED");
      expect(result.events).toEqual(["OrderConfirmed"]);
    }
    const rejecting = [reserved(0), failed(1), reserved(0), failed(1), reserved(2, [0, 1, 2])];
    for (const answers of permutations(rejecting)) {
      const result = run(answers);
      expect(result.state).toMatchObject({ status: "REJECTED", rejectionReason: "OUT_OF_STOCK" });
      expect(result.events).toEqual(["OrderRejected"]);
    }
  });

  it("ignores every answer once the order is decided", () => {
    const cancelled = { ...pending(), status: "CANCELLED" as const };
    expect(decideStockAnswer(cancelled, null, reserved(0))).toEqual({
      kind: "ignore",
      why: "ORDER_NOT_PENDING",
    });
  });
});

describe("answersOf", () => {
  it("folds what each shard said, with every shard any of them named", () => {
    expect(answersOf([])).toBeNull();
    expect(
      answersOf([
        { shard: 2, answer: "RESERVED", shards: [0, 2] },
        { shard: 0, answer: "OUT_OF_STOCK", shards: [0, 1, 2] },
      ]),
    ).toEqual({ shards: [0, 1, 2], answered: { "0": "OUT_OF_STOCK", "2": "RESERVED" } });
  });
});

describe("decideAnswer (the handlers' reading of an answer)", () => {
  const row = placedRow({
    id: "order-1",
    customerId: "c",
    totalCents: 1000,
    pointsRedeemed: 1000,
    paymentMethod: null,
    createdAt: 0,
    writePath: "outbox",
  });
  const answer = (payload: Partial<ReplyEvent["payload"]>): ReplyEvent =>
    ({
      id: "e",
      type: "StockReserved",
      payload: { orderId: "order-1", ...payload },
    }) as ReplyEvent;

  it("an answer without `shard` covers the whole order, as before shards", () => {
    const decision = decideAnswer({ ...row, pointsState: "RESERVED" }, [], answer({}), {
      type: "StockReserved",
    });
    expect(decision).toMatchObject({ kind: "change", state: { status: "CONFIRMED" } });
    expect(decision).not.toHaveProperty("said");
  });

  it("a shard's answer is recorded and waits for the others, then completes the stock", () => {
    const paid = { ...row, pointsState: "RESERVED" as const };
    const first = decideAnswer(paid, [], answer({ shard: 1, shards: [0, 1] }), {
      type: "StockReserved",
    });
    expect(first).toEqual({
      kind: "change",
      state: sagaStateOf(paid),
      event: null,
      said: { shard: 1, answer: "RESERVED", shards: [0, 1] },
    });
    const said = first.kind === "change" && first.said ? [first.said] : [];
    const second = decideAnswer(paid, said, answer({ shard: 0, shards: [0, 1] }), {
      type: "StockReserved",
    });
    expect(second).toMatchObject({
      kind: "change",
      state: { status: "CONFIRMED", stockState: "RESERVED" },
      event: { type: "OrderConfirmed" },
      said: { shard: 0, answer: "RESERVED" },
    });
    // The same shard again: nothing changes.
    expect(
      decideAnswer(paid, said, answer({ shard: 1, shards: [0, 1] }), { type: "StockReserved" }),
    ).toMatchObject({ kind: "ignore" });
  });
});
