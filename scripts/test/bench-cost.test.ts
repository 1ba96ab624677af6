import { describe, expect, it } from "vitest";
import {
  costTable,
  emptyUsage,
  priceSaga,
  serviceCostTable,
  sumUsage,
  type Usage,
  usageBetween,
  usagePerSaga,
} from "../lib/bench/cost";
import { usageOfCounts } from "../lib/bench/cost-baselines";
import { cpuMsOfStat, descendantsNamed } from "../lib/bench/cost-cpu";
import { oursUsagePerSaga } from "../lib/bench/cost-section";
import {
  D1_ROW_READ,
  D1_ROW_WRITTEN,
  DO_REQUEST,
  QUEUE_OPERATION,
  WORKER_CPU_MS,
  WORKER_REQUEST,
} from "../lib/bench/prices";

function usage(
  patch: Partial<Omit<Usage, "invocations">> & { inv?: Partial<Usage["invocations"]> },
): Usage {
  const base = emptyUsage();
  const { inv, ...rest } = patch;
  return { ...base, ...rest, invocations: { ...base.invocations, ...inv } };
}

describe("what a saga costs: counts per saga", () => {
  it("subtracts two reads and divides by the sagas run", () => {
    const before = usage({ inv: { fetch: 10, queueBatches: 4 }, d1Queries: 7, d1RowsWritten: 3 });
    const after = usage({
      inv: { fetch: 110, queueBatches: 54 },
      d1Queries: 507,
      d1RowsWritten: 803,
    });
    const per = usagePerSaga(usageBetween(before, after), 100);
    expect(per?.invocations.fetch).toBe(1);
    expect(per?.invocations.queueBatches).toBe(0.5);
    expect(per?.d1Queries).toBe(5);
    expect(per?.d1RowsWritten).toBe(8);
    expect(usagePerSaga(after, 0)).toBeNull();
  });

  it("keeps a count no reader gave as unknown, not zero", () => {
    const known = usage({ d1RowsRead: 5 });
    const unknown = usage({ d1RowsRead: null });
    expect(sumUsage([known, unknown]).d1RowsRead).toBeNull();
    expect(sumUsage([known, known]).d1RowsRead).toBe(10);
  });
});

describe("what a saga costs: dollars per million orders", () => {
  it("prices each count at its list price, by service and by kind", () => {
    const order = usage({
      inv: { fetch: 2, queueBatches: 3, doRpc: 4, doAlarm: 1 },
      queueOperations: 9,
      d1RowsRead: 100,
      d1RowsWritten: 6,
    });
    const inventory = usage({
      inv: { queueBatches: 2 },
      queueOperations: 3,
      d1RowsRead: 0,
      d1RowsWritten: 2,
    });
    const cost = priceSaga({ order, inventory }, 20);
    // x units per order at p dollars per million units = x * p dollars per million orders.
    expect(cost.byService.order?.["Worker requests"]).toBeCloseTo(5 * WORKER_REQUEST.usdPerMillion);
    expect(cost.byService.order?.["Durable Object requests"]).toBeCloseTo(
      5 * DO_REQUEST.usdPerMillion,
    );
    expect(cost.byKind["queue operations"]).toBeCloseTo(12 * QUEUE_OPERATION.usdPerMillion);
    expect(cost.byKind["D1 rows written"]).toBeCloseTo(8 * D1_ROW_WRITTEN.usdPerMillion);
    expect(cost.byKind["D1 rows read"]).toBeCloseTo(100 * D1_ROW_READ.usdPerMillion);
    expect(cost.byKind["Workers CPU"]).toBeCloseTo(20 * WORKER_CPU_MS.usdPerMillion);
    const sum = Object.values(cost.byKind).reduce((n: number, k) => n + (k as number), 0);
    expect(cost.total).toBeCloseTo(sum, 3);
  });

  it("has no total while a priced count is unknown", () => {
    expect(priceSaga({ order: usage({ d1RowsWritten: null }) }, 1).total).toBeNull();
    expect(priceSaga({ order: usage({}) }, null).total).toBeNull();
  });

  it("bills a Workflow run as a Worker request", () => {
    const cost = priceSaga({ workflow: usage({ inv: { fetch: 1, workflowRuns: 1 } }) }, 0);
    expect(cost.byKind["Worker requests"]).toBeCloseTo(2 * WORKER_REQUEST.usdPerMillion);
  });

  it("prints one column per saga kind and a line per service", () => {
    const column = (label: string) => ({
      label,
      sagas: 10,
      perSaga: { order: usage({ inv: { fetch: 1 } }) },
      cpuMs: 3,
      cpuMsWithoutPolls: 2,
      pollsPerSaga: 1,
      latency: { p50: 40, p99: 90 },
      cost: priceSaga({ order: usage({ inv: { fetch: 1 } }) }, 2),
    });
    const table = costTable(8, [column("ours"), column("bare saga"), column("Workflow")]);
    expect(table.split("\n")[0]).toBe("| per saga, 8 in flight | ours | bare saga | Workflow |");
    expect(table).toContain("| workerd CPU ms per saga | 3 | 3 | 3 |");
    expect(table).toContain(
      "| accepted -> CONFIRMED p50 / p99 (ms) | 40 / 90 | 40 / 90 | 40 / 90 |",
    );
    expect(serviceCostTable(8, column("ours"))).toContain("| order | 0.3 |");
  });
});

describe("what a saga costs: baseline counts", () => {
  it("takes the bench's polls out of fetch and counts 3 operations per message", () => {
    const u = usageOfCounts({
      isolate: "i",
      invocations: { ...emptyUsage().invocations, fetch: 30 },
      polls: 20,
      messagesSent: 10,
      workflowSteps: 0,
      d1Queries: 1,
      d1RowsRead: 2,
      d1RowsWritten: 3,
    });
    expect(u.invocations.fetch).toBe(10);
    expect(u.queueOperations).toBe(30);
  });
});

describe("what a saga costs: workerd CPU", () => {
  it("adds user and system time of /proc/<pid>/stat, in ms", () => {
    // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const fields = "S 1 1 1 0 -1 0 0 0 0 0 250 50".split(" ");
    expect(cpuMsOfStat(fields)).toBe(3_000);
  });

  it("finds workerd processes anywhere under the wrangler process, not beside it", () => {
    const table = new Map([
      [10, { ppid: 1, comm: "node" }], // wrangler
      [11, { ppid: 10, comm: "workerd" }],
      [12, { ppid: 10, comm: "esbuild" }],
      [13, { ppid: 12, comm: "workerd" }],
      [20, { ppid: 1, comm: "workerd" }], // another stack's
    ]);
    expect(descendantsNamed(10, "workerd", table).sort()).toEqual([11, 13]);
  });
});

describe("what a saga costs: ours from the services' counts route", () => {
  const read = (fetch: number, rows: number, isolate = "a") => ({
    order: {
      isolate,
      total: rows,
      invocations: { fetch, queueBatches: fetch },
      queueOperations: { write: rows, read: rows, delete: rows },
      d1RowsRead: rows,
      d1RowsWritten: rows,
    },
  });

  it("counts per saga with the bench's polls taken out of the order service's fetches", () => {
    const per = oursUsagePerSaga(read(0, 0), read(30, 10), 10, 20);
    expect(per?.order?.invocations.fetch).toBe(1);
    expect(per?.order?.invocations.queueBatches).toBe(3);
    expect(per?.order?.queueOperations).toBe(3);
  });

  it("has no figure from a restarted service or a route that does not count invocations", () => {
    expect(oursUsagePerSaga(read(0, 0), read(30, 10, "b"), 10, 0)).toBeNull();
    expect(
      oursUsagePerSaga(
        { order: { isolate: "a", total: 1 } },
        { order: { isolate: "a", total: 2 } },
        1,
        0,
      ),
    ).toBeNull();
  });
});
