import { describe, expect, it } from "vitest";
import { formatReport, orderListsFailure } from "../lib/chaos/consistency";

describe("the consistency report as an operator reads it", () => {
  it("names the shards a violation was found on, and nothing more on one database", () => {
    const text = formatReport({
      ok: false,
      checkedAt: "2026-01-01T00:00:00.000Z",
      counts: {},
      violations: [
        {
          invariant: 5,
          message: "order shard 1: 2 outbox rows not published",
          ids: ["order"],
          shards: [{ service: "order", shard: 1 }],
        },
        { invariant: 1, message: "1 orders still PENDING", ids: ["o1"] },
      ],
    });
    expect(text.split("\n").slice(2)).toEqual([
      "- invariant 5: order shard 1: 2 outbox rows not published",
      "  ids: order",
      "  shards: order shard 1",
      "- invariant 1: 1 orders still PENDING",
      "  ids: o1",
    ]);
  });
});

describe("the view's order lists in KV, as a chaos run reports them", () => {
  it("fails the run when a customer's KV list differs from D1, naming a few", () => {
    expect(orderListsFailure({ customers: 20, differing: [] })).toBeNull();
    const ids = Array.from({ length: 7 }, (_, i) => `c${i}`);
    expect(orderListsFailure({ customers: 20, differing: ids })).toBe(
      "invariant 7: 7 of 20 customers' order lists in KV differ from the D1 view: c0, c1, c2, c3, c4 (+2 more)",
    );
  });
});
