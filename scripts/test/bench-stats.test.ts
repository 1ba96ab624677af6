import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { catalog } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { D1_SERVICES, type D1Snapshot, d1PerSaga } from "../lib/bench/d1-calls";
import { markdown, svg } from "../lib/bench/report";
import { ratio, summarize } from "../lib/bench/stats";
import { RELAY_SERVICES } from "../lib/bench/workloads";
import { ROOT } from "../lib/wrangler";

describe("bench statistics", () => {
  it("takes percentiles interpolated between neighbours", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toMatchObject({
      p50: 50.5,
      p99: 99.01,
      mean: 50.5,
      min: 1,
      max: 100,
    });
    expect(summarize([7])).toMatchObject({ p50: 7, p99: 7 });
  });

  it("summarizes unsorted samples and says n/a for none", () => {
    expect(summarize([3, 1, 2])).toMatchObject({ samples: 3, p50: 2, p99: 2.98, min: 1, max: 3 });
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
    const chart = svg(
      rows,
      [{ t: 0, order: 1, inventory: 0, rewards: 2, payment: 3 }],
      "a <title>",
    );
    expect(chart).toMatch(/^<svg /);
    expect(chart).not.toContain("NaN");
    expect(chart).toContain("a &lt;title&gt;");
  });

  it("draws every relay service's backlog, payment's too, and leaves out what was not read", () => {
    const chart = svg(
      [],
      [
        { t: 0, order: 1, inventory: 0, rewards: 2, payment: 7 },
        { t: 1, order: 0, inventory: 0, rewards: 0, payment: -1 },
      ],
      "t",
    );
    for (const service of RELAY_SERVICES) expect(chart).toContain(`>${service}</text>`);
    expect(chart).toMatch(/stroke="#8e44ad"/);
    // The backlog axis goes up to payment's 7; its unread sample is not drawn.
    expect(chart).toContain(">7</text>");
    expect(chart).not.toContain("NaN");
  });
});

describe("bench: every service's share of a saga", () => {
  const snapshot = (totals: Record<string, number>, isolate = "a"): D1Snapshot =>
    Object.fromEntries(
      D1_SERVICES.map((s) => [
        s,
        {
          isolate,
          total: totals[s] ?? 0,
          queueMessages: { isolate, events: totals[s] ?? 0, receipts: 0 },
        },
      ]),
    ) as D1Snapshot;

  it("counts the payment service's D1 calls and queue messages in the saga's", () => {
    const before = snapshot({});
    const after = snapshot({ order: 40, inventory: 20, rewards: 20, payment: 30, view: 10 });
    const r = d1PerSaga({ before, after, historyPolls: 0 }, 10, 0);
    expect(r.services.payment).toBe(3);
    expect(r.total).toBe(12);
    expect(r.queueMessages.events).toBe(12);
    // Payment restarted during the run: no total, the others still counted.
    const restarted = { ...after, payment: { ...after.payment, isolate: "b" } };
    const partial = d1PerSaga({ before, after: restarted, historyPolls: 0 }, 10, 0);
    expect(partial.services.payment).toBeNull();
    expect(partial.services.order).toBe(4);
    expect(partial.total).toBeNull();
  });

  it("lists every service with a D1 database, and every producer of events", () => {
    const configs = readdirSync(join(ROOT, "workers")).flatMap((dir) => {
      try {
        return [{ dir, toml: readFileSync(join(ROOT, "workers", dir, "wrangler.toml"), "utf8") }];
      } catch {
        return [];
      }
    });
    const withD1 = configs.filter((c) => /^\[\[d1_databases\]\]/m.test(c.toml)).map((c) => c.dir);
    expect([...D1_SERVICES].sort()).toEqual(withD1.sort());
    // The relays that send the saga's events: every producer of the catalog.
    const producers = new Set(catalog.definitions.map((d) => d.producer));
    expect([...RELAY_SERVICES].sort()).toEqual([...producers].sort());
    expect(D1_SERVICES).toContain("payment");
  });
});
