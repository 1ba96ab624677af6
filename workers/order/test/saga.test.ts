import { describe, expect, it } from "vitest";
import {
  decideCancel,
  decidePointsAwarded,
  decideReply,
  decideTimeout,
  evolve,
  initialState,
  nextDeadlineCheck,
  ORDER_STATUSES,
  type SagaReply,
  type SagaState,
} from "../src/domain/saga";

const stockOk: SagaReply = { type: "StockReserved" };
const outOfStock: SagaReply = { type: "StockReservationFailed", reason: "OUT_OF_STOCK" };
const unknownProduct: SagaReply = { type: "StockReservationFailed", reason: "UNKNOWN_PRODUCT" };
const pointsOk: SagaReply = { type: "PointsReserved" };
const pointsShort: SagaReply = { type: "PointsReservationFailed", reason: "INSUFFICIENT_POINTS" };
const paid: SagaReply = { type: "PaymentAuthorized" };
const declined: SagaReply = { type: "PaymentDeclined", reason: "PAYMENT_DECLINED" };
const allReplies = [stockOk, outOfStock, unknownProduct, pointsOk, pointsShort, paid, declined];

/** Applies replies in order the way the handlers do: a change replaces the state, an ignore keeps it. */
function run(state: SagaState, replies: SagaReply[]) {
  const events: string[] = [];
  let current = state;
  for (const reply of replies) {
    const decision = decideReply(current, reply);
    if (decision.kind === "change") {
      current = decision.state;
      if (decision.event) events.push(decision.event.type);
    }
  }
  return { state: current, events };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe("initialState", () => {
  it("waits for stock and for points when points are redeemed", () => {
    expect(initialState(5000, 300)).toEqual({
      status: "PENDING",
      stockState: "PENDING",
      pointsState: "PENDING",
      paymentState: "PENDING",
      totalCents: 5000,
      pointsRedeemed: 300,
      pointsEarned: 0,
      rejectionReason: null,
      pointsAwarded: false,
    });
  });

  it("does not wait for rewards when no points are redeemed", () => {
    expect(initialState(5000, 0).pointsState).toBe("NOT_NEEDED");
  });

  it("does not wait for the card when points pay the whole total", () => {
    expect(initialState(5000, 5000).paymentState).toBe("NOT_NEEDED");
    expect(initialState(0, 0).paymentState).toBe("NOT_NEEDED");
    expect(initialState(5000, 4999).paymentState).toBe("PENDING");
  });
});

describe("evolve", () => {
  it("records each participant's answer and nothing else", () => {
    const s = initialState(1000, 10);
    expect(evolve(s, stockOk)).toEqual({ ...s, stockState: "RESERVED" });
    expect(evolve(s, outOfStock)).toEqual({ ...s, stockState: "FAILED" });
    expect(evolve(s, pointsOk)).toEqual({ ...s, pointsState: "RESERVED" });
    expect(evolve(s, pointsShort)).toEqual({ ...s, pointsState: "FAILED" });
    expect(evolve(s, paid)).toEqual({ ...s, paymentState: "AUTHORIZED" });
    expect(evolve(s, declined)).toEqual({ ...s, paymentState: "DECLINED" });
  });
});

describe("decideReply", () => {
  it("stock first, then points: waits, then confirms with the earned points", () => {
    const s = { ...initialState(12_345, 345), paymentState: "AUTHORIZED" as const };
    const first = decideReply(s, stockOk);
    expect(first).toEqual({ kind: "change", state: { ...s, stockState: "RESERVED" }, event: null });
    if (first.kind !== "change") throw new Error("expected a change");
    expect(decideReply(first.state, pointsOk)).toEqual({
      kind: "change",
      state: {
        ...s,
        stockState: "RESERVED",
        pointsState: "RESERVED",
        status: "CONFIRMED",
        pointsEarned: 120,
      },
      event: { type: "OrderConfirmed", pointsEarned: 120 },
    });
  });

  it("points first, then stock, then the card: the same confirmed state", () => {
    const s = initialState(12_345, 345);
    expect(run(s, [pointsOk, stockOk, paid])).toEqual(run(s, [stockOk, paid, pointsOk]));
    expect(run(s, [pointsOk, paid, stockOk]).events).toEqual(["OrderConfirmed"]);
    expect(run(s, [pointsOk, stockOk]).state.status).toBe("PENDING");
  });

  it("confirms a no-points order on the stock and card answers alone", () => {
    const decision = decideReply(run(initialState(999, 0), [paid]).state, stockOk);
    expect(decision).toMatchObject({
      kind: "change",
      state: { status: "CONFIRMED", pointsState: "NOT_NEEDED", pointsEarned: 9 },
      event: { type: "OrderConfirmed", pointsEarned: 9 },
    });
  });

  it("confirms an order paid entirely with points without waiting for the card", () => {
    expect(run(initialState(999, 999), [stockOk, pointsOk])).toMatchObject({
      state: { status: "CONFIRMED", paymentState: "NOT_NEEDED" },
      events: ["OrderConfirmed"],
    });
  });

  it("rejects with PAYMENT_DECLINED when the card is declined, after stock was reserved", () => {
    expect(run(initialState(5000, 100), [stockOk, pointsOk, declined])).toMatchObject({
      state: { status: "REJECTED", rejectionReason: "PAYMENT_DECLINED", paymentState: "DECLINED" },
      events: ["OrderRejected"],
    });
  });

  it("ignores a points answer for an order that needs none", () => {
    expect(decideReply(initialState(999, 0), pointsOk)).toEqual({
      kind: "ignore",
      why: "ALREADY_ANSWERED",
    });
  });

  it("earns floor((total - redeemed) / 100) points", () => {
    for (const [total, redeemed, earned] of [
      [0, 0, 0],
      [99, 0, 0],
      [100, 0, 1],
      [199, 0, 1],
      [10_000, 10_000, 0],
      [10_000, 9_901, 0],
      [10_000, 9_900, 1],
    ] as const) {
      const s = run(initialState(total, redeemed), [stockOk, pointsOk, paid]).state;
      expect(s.status).toBe("CONFIRMED");
      expect(s.pointsEarned).toBe(earned);
    }
  });

  it.each([
    [outOfStock, "OUT_OF_STOCK", { stockState: "FAILED" }],
    [unknownProduct, "UNKNOWN_PRODUCT", { stockState: "FAILED" }],
    [pointsShort, "INSUFFICIENT_POINTS", { pointsState: "FAILED" }],
    [declined, "PAYMENT_DECLINED", { paymentState: "DECLINED" }],
  ] as const)("rejects on %o with reason %s", (reply, reason, participant) => {
    const s = initialState(5000, 100);
    expect(decideReply(s, reply)).toEqual({
      kind: "change",
      state: { ...s, ...participant, status: "REJECTED", rejectionReason: reason },
      event: { type: "OrderRejected", reason },
    });
  });

  it("rejects when points fail after stock was reserved (stock is then released by inventory)", () => {
    const { state, events } = run(initialState(5000, 100), [stockOk, pointsShort]);
    expect(state).toMatchObject({
      status: "REJECTED",
      stockState: "RESERVED",
      pointsState: "FAILED",
    });
    expect(state.rejectionReason).toBe("INSUFFICIENT_POINTS");
    expect(events).toEqual(["OrderRejected"]);
  });

  it("rejects once when both participants fail, whichever answers first", () => {
    const s = initialState(5000, 100);
    expect(run(s, [outOfStock, pointsShort])).toMatchObject({
      state: { rejectionReason: "OUT_OF_STOCK" },
      events: ["OrderRejected"],
    });
    expect(run(s, [pointsShort, outOfStock])).toMatchObject({
      state: { rejectionReason: "INSUFFICIENT_POINTS" },
      events: ["OrderRejected"],
    });
  });

  it("ignores a participant answering twice, even with a different answer", () => {
    const afterStock = run(initialState(5000, 100), [stockOk]).state;
    expect(decideReply(afterStock, stockOk)).toEqual({ kind: "ignore", why: "ALREADY_ANSWERED" });
    expect(decideReply(afterStock, outOfStock)).toEqual({
      kind: "ignore",
      why: "ALREADY_ANSWERED",
    });
    const afterPoints = run(initialState(5000, 100), [pointsOk]).state;
    expect(decideReply(afterPoints, pointsShort)).toEqual({
      kind: "ignore",
      why: "ALREADY_ANSWERED",
    });
  });

  it.each(ORDER_STATUSES.filter((s) => s !== "PENDING"))(
    "ignores every reply once the order is %s",
    (status) => {
      const s: SagaState = { ...initialState(5000, 100), status };
      for (const reply of allReplies) {
        expect(decideReply(s, reply)).toEqual({ kind: "ignore", why: "ORDER_NOT_PENDING" });
      }
    },
  );

  it("any arrival order of any answers (with duplicates) emits at most one decision event", () => {
    const s = initialState(5000, 100);
    for (const stock of [stockOk, outOfStock]) {
      for (const points of [pointsOk, pointsShort]) {
        for (const card of [paid, declined]) {
          for (const order of permutations([stock, points, card, stock, card])) {
            const { state, events } = run(s, order);
            expect(events).toHaveLength(1);
            const allYes = stock === stockOk && points === pointsOk && card === paid;
            expect(state.status).toBe(allYes ? "CONFIRMED" : "REJECTED");
          }
        }
      }
    }
  });
});

describe("decideCancel", () => {
  it.each(["PENDING", "CONFIRMED"] as const)(
    "cancels a %s order, naming the previous status",
    (status) => {
      const s: SagaState = { ...initialState(5000, 0), status };
      expect(decideCancel(s)).toEqual({
        kind: "change",
        state: { ...s, status: "CANCELLED" },
        event: { type: "OrderCancelled", previousStatus: status },
      });
    },
  );

  it.each(["REJECTED", "CANCELLED"] as const)("refuses to cancel a %s order", (status) => {
    expect(decideCancel({ ...initialState(5000, 0), status })).toEqual({
      kind: "refuse",
      why: "INVALID_STATE",
    });
  });

  it("a reply after the cancel changes nothing", () => {
    const cancelled = decideCancel(initialState(5000, 0));
    if (cancelled.kind !== "change") throw new Error("expected a change");
    expect(decideReply(cancelled.state, stockOk)).toEqual({
      kind: "ignore",
      why: "ORDER_NOT_PENDING",
    });
  });
});

describe("decidePointsAwarded", () => {
  it("records the award once and keeps the status", () => {
    const confirmed = run(initialState(5000, 0), [stockOk, paid]).state;
    const first = decidePointsAwarded(confirmed);
    expect(first).toEqual({ kind: "change", state: { ...confirmed, pointsAwarded: true } });
    if (first.kind !== "change") throw new Error("expected a change");
    expect(decidePointsAwarded(first.state)).toEqual({ kind: "ignore", why: "ALREADY_RECORDED" });
  });
});

describe("decideTimeout", () => {
  const PLACED = 1_000_000;
  const DEADLINE = 60_000;
  const timeout = { type: "Timeout" } as const;
  type Step = SagaReply | typeof timeout;

  /** Replies and deadline checks (past the deadline) in order, as the handlers and the relay apply them. */
  function runWithTimeout(state: SagaState, steps: Step[]) {
    const events: string[] = [];
    let current = state;
    for (const step of steps) {
      const decision =
        step.type === "Timeout"
          ? decideTimeout(current, PLACED, PLACED + DEADLINE, DEADLINE)
          : decideReply(current, step);
      if (decision.kind === "change") {
        current = decision.state;
        if (decision.event) events.push(decision.event.type);
      }
    }
    return { state: current, events };
  }

  it("rejects a pending order TIMED_OUT at its deadline, keeping the answers it got", () => {
    const s = run(initialState(5000, 100), [stockOk]).state;
    expect(decideTimeout(s, PLACED, PLACED + DEADLINE, DEADLINE)).toEqual({
      kind: "change",
      state: { ...s, status: "REJECTED", rejectionReason: "TIMED_OUT" },
      event: { type: "OrderRejected", reason: "TIMED_OUT" },
    });
  });

  it("leaves an order alone before its deadline", () => {
    const s = initialState(5000, 0);
    expect(decideTimeout(s, PLACED, PLACED + DEADLINE - 1, DEADLINE)).toEqual({
      kind: "ignore",
      why: "NOT_DUE",
    });
  });

  it.each(ORDER_STATUSES.filter((s) => s !== "PENDING"))(
    "never touches an order that is already %s",
    (status) => {
      const s: SagaState = { ...initialState(5000, 100), status };
      expect(decideTimeout(s, PLACED, PLACED + 10 * DEADLINE, DEADLINE)).toEqual({
        kind: "ignore",
        why: "ORDER_NOT_PENDING",
      });
    },
  );

  it("a reply after the timeout changes nothing (its participant is compensated by OrderRejected)", () => {
    const timedOut = runWithTimeout(initialState(5000, 100), [timeout]).state;
    for (const reply of allReplies)
      expect(decideReply(timedOut, reply)).toEqual({ kind: "ignore", why: "ORDER_NOT_PENDING" });
    expect(decideCancel(timedOut)).toEqual({ kind: "refuse", why: "INVALID_STATE" });
  });

  it("any arrival order of answers and deadline checks decides once: whatever came first wins", () => {
    const s = initialState(5000, 100);
    for (const stock of [stockOk, outOfStock]) {
      for (const points of [pointsOk, pointsShort]) {
        for (const order of permutations<Step>([stock, points, timeout, stock, timeout])) {
          const { state, events } = runWithTimeout(s, order);
          expect(events).toHaveLength(1);
          // What decided: the first failure, both yes, or the deadline, whichever came first.
          const before = order.slice(0, order.indexOf(timeout));
          const decidedByReplies = run(s, before as SagaReply[]).state;
          if (decidedByReplies.status !== "PENDING") expect(state).toEqual(decidedByReplies);
          else
            expect(state).toMatchObject({
              status: "REJECTED",
              rejectionReason: "TIMED_OUT",
              stockState: decidedByReplies.stockState,
              pointsState: decidedByReplies.pointsState,
            });
        }
      }
    }
  });
});

describe("nextDeadlineCheck", () => {
  it("is the oldest pending order's deadline, or a deadline from now when none is pending", () => {
    expect(nextDeadlineCheck(1_000, 50_000, 60_000)).toBe(61_000);
    expect(nextDeadlineCheck(null, 50_000, 60_000)).toBe(110_000);
  });
});
