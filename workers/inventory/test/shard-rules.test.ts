import { shardOf } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { combinedStatus, mergeKeysetPages, mergeReservations } from "../src/domain/shard-snapshots";
import { inventoryShardsOf } from "../src/shards/event-shards";
import { orderConfirmed, orderPlaced } from "./helpers";

describe("inventoryShardsOf", () => {
  it("sends OrderPlaced to the shards of its SKUs, each once, and an outcome to every shard", () => {
    const skus = Array.from({ length: 40 }, (_, i) => `rule-sku-${i}`);
    const on3 = skus.filter((sku) => shardOf(sku, 4) === 3).slice(0, 2);
    const on1 = skus.find((sku) => shardOf(sku, 4) === 1) as string;
    const placed = orderPlaced(
      "o-1",
      [...on3, on1].map((sku) => ({ sku, quantity: 1 })),
    );
    expect(inventoryShardsOf(placed, 4)).toEqual([1, 3]);
    expect(inventoryShardsOf(orderConfirmed("o-1"), 4)).toEqual([0, 1, 2, 3]);
    expect(inventoryShardsOf(orderConfirmed("o-1"), 1)).toEqual([0]);
  });

  it("throws on an OrderPlaced whose payload cannot say (the kit dead-letters it on shard 0)", () => {
    const bad = { ...orderPlaced("o-2", [{ sku: "x", quantity: 1 }]), payload: {} };
    expect(() => inventoryShardsOf(bad, 2)).toThrow();
  });
});

describe("mergeKeysetPages", () => {
  const page = (shard: number, ...keys: string[]) => ({ shard, rows: keys.map((k) => ({ k })) });

  it("takes the first keys of every shard's page, a key on several shards counted once", () => {
    const merged = mergeKeysetPages(
      [page(0, "a", "c", "d"), page(1, "a", "b", "e")],
      (r) => r.k,
      3,
    );
    expect(merged.keys).toEqual(["a", "b", "c"]);
    expect(merged.rows).toEqual([
      { k: "a", shard: 0 },
      { k: "a", shard: 1 },
      { k: "b", shard: 1 },
      { k: "c", shard: 0 },
    ]);
    expect(merged.next).toBe("c");
  });

  it("ends (next null) when fewer keys than the limit are left on every shard", () => {
    expect(mergeKeysetPages([page(0, "a"), page(1, "b")], (r) => r.k, 3).next).toBeNull();
    expect(mergeKeysetPages([page(0), page(1)], (r) => r.k, 3)).toEqual({
      keys: [],
      rows: [],
      next: null,
    });
  });
});

describe("a reservation spread over shards", () => {
  it("shows the shards' common status, else the one holding the most", () => {
    expect(combinedStatus(["SOLD", "SOLD"])).toBe("SOLD");
    expect(combinedStatus(["RELEASED", "RELEASED"])).toBe("RELEASED");
    expect(combinedStatus(["FAILED", "RESERVED"])).toBe("RESERVED");
    expect(combinedStatus(["CANCELLED", "SOLD"])).toBe("SOLD");
    expect(combinedStatus(["RELEASED", "FAILED"])).toBe("FAILED");
  });

  it("is one row with every shard's lines, sorted by SKU, and what each shard did", () => {
    const merged = mergeReservations([
      { orderId: "o", shard: 0, status: "RESERVED", lines: [{ sku: "b", quantity: 1 }] },
      { orderId: "o", shard: 1, status: "FAILED", lines: [] },
      { orderId: "o", shard: 2, status: "RESERVED", lines: [{ sku: "a", quantity: 2 }] },
    ]);
    expect(merged).toEqual([
      {
        orderId: "o",
        status: "RESERVED",
        lines: [
          { sku: "a", quantity: 2 },
          { sku: "b", quantity: 1 },
        ],
        shards: [
          { shard: 0, status: "RESERVED", lines: [{ sku: "b", quantity: 1 }] },
          { shard: 1, status: "FAILED", lines: [] },
          { shard: 2, status: "RESERVED", lines: [{ sku: "a", quantity: 2 }] },
        ],
      },
    ]);
  });
});
