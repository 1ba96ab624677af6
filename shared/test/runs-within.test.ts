import { describe, expect, it } from "vitest";
import { runsWithin } from "../src/db/runs-within";

describe("runsWithin", () => {
  it("cuts runs at the item cap and at the weight cap, in order; an over-heavy item stands alone", () => {
    expect(runsWithin([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(runsWithin([3, 3, 3, 9, 1], 10, 6, (n) => n)).toEqual([[3, 3], [3], [9], [1]]);
    expect(runsWithin([], 5)).toEqual([]);
  });
});
