import { describe, expect, it } from "vitest";
import { markdown, svg } from "../lib/bench/report";
import { percentile, ratio, summarize } from "../lib/bench/stats";

describe("bench statistics", () => {
  it("takes nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it("summarizes unsorted samples and says n/a for none", () => {
    expect(summarize([3, 1, 2])).toMatchObject({ samples: 3, p50: 2, p99: 3, min: 1, max: 3 });
    expect(summarize([]).p50).toBeNaN();
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 3)).toBeNull();
  });

  it("renders the table and a well-formed chart, empty samples included", () => {
    const rows = [
      { section: "accept", figure: "c=1", p50: 5, p99: 9, unit: "ms", samples: 10 },
      { section: "saga", figure: "none", p50: Number.NaN, p99: Number.NaN, unit: "ms" },
      {
        section: "drain",
        figure: "rate",
        value: null,
        unit: "events/s",
        target: ">= 1",
        met: false,
      },
    ];
    const md = markdown("t", { mode: "quick" }, rows);
    expect(md).toContain("| accept | c=1 | 5 | 9 |");
    expect(md).toContain("| saga | none | n/a | n/a |");
    expect(md).toContain("**no**");
    const chart = svg(rows, [{ t: 0, order: 1, inventory: 0, rewards: 2 }], "a <title>");
    expect(chart).toMatch(/^<svg /);
    expect(chart).not.toContain("NaN");
    expect(chart).toContain("a &lt;title&gt;");
  });
});
