import { describe, expect, it } from "vitest";
import { checkStock } from "../src/domain/check-stock";
import { mergeLines } from "../src/domain/merge-lines";
import { type StockMove, unitDeltas } from "../src/domain/stock-moves";

describe("mergeLines", () => {
  it("sums repeated SKUs, keeping the order of first appearance", () => {
    expect(
      mergeLines([
        { sku: "b", quantity: 1 },
        { sku: "a", quantity: 2 },
        { sku: "b", quantity: 3 },
      ]),
    ).toEqual([
      { sku: "b", quantity: 4 },
      { sku: "a", quantity: 2 },
    ]);
  });
});

describe("checkStock", () => {
  const available = new Map([
    ["a", 5],
    ["b", 0],
  ]);

  it("accepts lines that all fit, up to the last unit", () => {
    expect(checkStock([{ sku: "a", quantity: 5 }], available)).toEqual({ ok: true });
  });

  it("names every short SKU", () => {
    expect(
      checkStock(
        [
          { sku: "a", quantity: 6 },
          { sku: "b", quantity: 1 },
        ],
        available,
      ),
    ).toEqual({ ok: false, reason: "OUT_OF_STOCK", skus: ["a", "b"] });
  });

  it("reports unknown products before stock", () => {
    expect(
      checkStock(
        [
          { sku: "b", quantity: 1 },
          { sku: "zz", quantity: 1 },
        ],
        available,
      ),
    ).toEqual({ ok: false, reason: "UNKNOWN_PRODUCT", skus: ["zz"] });
  });
});

describe("unitDeltas", () => {
  const moves: StockMove[] = ["reserve", "release", "sell", "restock"];

  it("never creates or destroys a unit", () => {
    for (const move of moves) {
      const d = unitDeltas(move, 7);
      expect(d.available + d.reserved + d.sold, move).toBe(0);
    }
  });

  it("scales with the quantity", () => {
    expect(unitDeltas("reserve", 3)).toEqual({ available: -3, reserved: 3, sold: 0 });
    expect(unitDeltas("sell", 2)).toEqual({ available: 0, reserved: -2, sold: 2 });
    expect(unitDeltas("restock", 4)).toEqual({ available: 4, reserved: 0, sold: -4 });
    expect(unitDeltas("release", 1)).toEqual({ available: 1, reserved: -1, sold: 0 });
  });
});
