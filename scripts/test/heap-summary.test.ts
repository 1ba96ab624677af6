import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  diffSummaries,
  type HeapSnapshot,
  retainersOf,
  summarize,
} from "../lib/memory/heap-summary";

/**
 * Real V8 snapshots (Node writes the format workerd's inspector sends) of a small process
 * before and after it keeps 20,000 `Held` objects in a Map: what `npm run memory` must find.
 */
const dir = mkdtempSync(join(tmpdir(), "heap-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = `
const v8 = require("node:v8");
class Held { constructor(i) { this.id = "held-" + i; this.n = i; } }
const kept = new Map();
v8.writeHeapSnapshot(process.argv[1] + "/before.heapsnapshot");
for (let i = 0; i < 20000; i++) kept.set(i, new Held(i));
globalThis.kept = kept;
v8.writeHeapSnapshot(process.argv[1] + "/after.heapsnapshot");
`;
execFileSync(process.execPath, ["-e", script, dir]);
const read = (name: string) =>
  JSON.parse(readFileSync(join(dir, `${name}.heapsnapshot`), "utf8")) as HeapSnapshot;
const before = read("before");
const after = read("after");

describe("heap summary", { timeout: 30_000 }, () => {
  it("sums self sizes by constructor, and the kinds add up to the whole heap", () => {
    const summary = summarize(after);
    const held = summary.kinds.find((k) => k.kind === "object Held");
    expect(held?.count).toBe(20_000);
    expect(held?.bytes).toBeGreaterThan(20_000 * 16);
    expect(summary.kinds.reduce((n, k) => n + k.bytes, 0)).toBe(summary.totalBytes);
    // Their ids are strings, grouped by what they start with, numbers as #.
    expect(summary.strings[0]).toMatchObject({ kind: "held-#", count: 20_000 });
  });

  it("names what grew between two snapshots, most first", () => {
    const grew = diffSummaries(summarize(before), summarize(after), 5);
    const held = grew.find((k) => k.kind === "object Held");
    expect(held).toMatchObject({ countBefore: 0, countAfter: 20_000 });
    expect(grew.slice(0, 3).map((k) => k.kind)).toContain("object Held");
    expect(grew[0]?.grew).toBeGreaterThanOrEqual(grew[1]?.grew ?? 0);
  });

  it("says what holds them: the global's Map, through its table", () => {
    const [top] = retainersOf(after, "object Held", 3);
    expect(top).toEqual({ via: "object global.kept > object Map.table > array[]", count: 20_000 });
  });
});
