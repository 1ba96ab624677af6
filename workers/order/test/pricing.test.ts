import { describe, expect, it } from "vitest";
import { MAX_TOTAL_CENTS, pointsEarnedFor, priceOrder } from "../src/domain/pricing";

const prices = new Map([
  ["apple", 150],
  ["pear", 99],
  ["free", 0],
]);

describe("priceOrder", () => {
  it("prices every line from the catalog, in the requested order", () => {
    expect(
      priceOrder(
        [
          { sku: "pear", quantity: 3 },
          { sku: "apple", quantity: 2 },
        ],
        prices,
        0,
      ),
    ).toEqual({
      ok: true,
      lines: [
        { sku: "pear", quantity: 3, unitPriceCents: 99 },
        { sku: "apple", quantity: 2, unitPriceCents: 150 },
      ],
      totalCents: 597,
    });
  });

  it("accepts a free product and a zero total", () => {
    expect(priceOrder([{ sku: "free", quantity: 5 }], prices, 0)).toMatchObject({
      ok: true,
      totalCents: 0,
    });
  });

  it("reports every unknown sku", () => {
    expect(
      priceOrder(
        [
          { sku: "nope", quantity: 1 },
          { sku: "apple", quantity: 1 },
          { sku: "gone", quantity: 1 },
        ],
        prices,
        0,
      ),
    ).toEqual({ ok: false, code: "UNKNOWN_PRODUCT", skus: ["nope", "gone"] });
  });

  it("reports unknown skus before points", () => {
    expect(priceOrder([{ sku: "nope", quantity: 1 }], prices, 1_000_000)).toMatchObject({
      code: "UNKNOWN_PRODUCT",
    });
  });

  it("allows redeeming up to the total and not one point more", () => {
    expect(priceOrder([{ sku: "apple", quantity: 2 }], prices, 300)).toMatchObject({ ok: true });
    expect(priceOrder([{ sku: "apple", quantity: 2 }], prices, 301)).toEqual({
      ok: false,
      code: "POINTS_EXCEED_TOTAL",
      totalCents: 300,
    });
    expect(priceOrder([{ sku: "free", quantity: 1 }], prices, 1)).toMatchObject({
      code: "POINTS_EXCEED_TOTAL",
    });
  });

  it("refuses a total the events cannot carry", () => {
    const expensive = new Map([["gold", MAX_TOTAL_CENTS / 1000]]);
    expect(priceOrder([{ sku: "gold", quantity: 1000 }], expensive, 0)).toMatchObject({ ok: true });
    const tooExpensive = new Map([["gold", MAX_TOTAL_CENTS / 1000 + 1]]);
    expect(priceOrder([{ sku: "gold", quantity: 1000 }], tooExpensive, 0)).toEqual({
      ok: false,
      code: "TOTAL_TOO_LARGE",
      totalCents: MAX_TOTAL_CENTS + 1000,
    });
  });
});

describe("pointsEarnedFor", () => {
  it("is one point per whole 100 cents paid after redemption", () => {
    expect(pointsEarnedFor(0, 0)).toBe(0);
    expect(pointsEarnedFor(99, 0)).toBe(0);
    expect(pointsEarnedFor(100, 0)).toBe(1);
    expect(pointsEarnedFor(12_345, 345)).toBe(120);
    expect(pointsEarnedFor(12_345, 346)).toBe(119);
    expect(pointsEarnedFor(500, 500)).toBe(0);
  });
});
