import { between, seededRandom } from "@edge-saga/kit-testing/seeded-random";
import { describe, expect, it } from "vitest";

describe("seededRandom", () => {
  it("replays the same numbers from the same seed, and others from another seed", () => {
    const draw = (seed: number) => Array.from({ length: 50 }, seededRandom(seed));
    expect(draw(20261216)).toEqual(draw(20261216));
    expect(draw(20261216)).not.toEqual(draw(20261217));
  });

  it("spreads its numbers evenly over [0, 1), unbiased towards the ends", () => {
    const random = seededRandom(7);
    const tenths = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const x = random();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      tenths[Math.floor(x * 10)]! += 1;
    }
    // 2,000 expected per tenth; a biased generator (fast-check's default) piles up at 0 and 1.
    for (const count of tenths) expect(Math.abs(count - 2_000)).toBeLessThan(200);
  });

  it("draws integers within both bounds, each bound reachable", () => {
    const random = seededRandom(1);
    const seen = new Set(Array.from({ length: 500 }, () => between(random, 3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });
});
