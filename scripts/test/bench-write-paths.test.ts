import { describe, expect, it } from "vitest";
import type { D1PerSaga } from "../lib/bench/d1-calls";
import { type WritePathResult, writePathTable } from "../lib/bench/write-paths";

const summary = (p50: number) => ({ p50, p99: p50 * 2, mean: p50, samples: 10 }) as never;
const result = (path: WritePathResult["path"], calls: number): WritePathResult => ({
  path,
  accept: { 1: summary(10), 8: summary(30) },
  saga: {
    orders: 10,
    unfinished: 0,
    notConfirmed: 0,
    toConfirmed: summary(100),
    toPointsAwarded: summary(150),
  },
  sagasPerSecond: 12.5,
  d1: {
    sagas: 10,
    total: calls,
    services: { order: calls / 2, inventory: 1, rewards: 1, payment: 1, view: 1 },
    calls: { order: 0, inventory: 0, rewards: 0, payment: 0, view: 0 },
    historyPolls: 0,
    historyCallCost: 0,
    queueMessages: { events: 10, receipts: 2 },
  } satisfies D1PerSaga,
});

describe("the write paths' table", () => {
  it("has one column per path, each figure in its path's column", () => {
    const table = writePathTable(
      [result("outbox", 10), result("cdc", 9), result("self-read", 11)],
      8,
    );
    const lines = table.split("\n");
    expect(lines).toContain("| figure | outbox | cdc | self-read |");
    expect(lines).toContain("| D1 calls per saga, all services | 10 | 9 | 11 |");
    expect(lines).toContain(
      "| POST /orders -> 202, concurrency 8, p50 / p99 ms | 30 / 60 | 30 / 60 | 30 / 60 |",
    );
    expect(lines).toContain(
      "| queue messages per saga: events + receipts | 10 + 2 | 10 + 2 | 10 + 2 |",
    );
  });

  it("is empty when the run measured no write path (--sagas-only)", () => {
    expect(writePathTable([], 8)).toBe("");
  });
});
