import {
  D1_ROW_READ,
  D1_ROW_WRITTEN,
  DO_REQUEST,
  type ListPrice,
  QUEUE_OPERATION,
  WORKER_CPU_MS,
  WORKER_REQUEST,
} from "./prices";
import { round } from "./stats";

/**
 * What a saga costs (issue 25): the counts of one run per service, per saga, and their price in
 * dollars per million orders at Cloudflare's list prices (prices.ts). Pure: the bench reads the
 * counts (the services' bench counts route, the baselines' own), this file does the arithmetic
 * and the table.
 */

/** Invocations by kind, as the bench counts route and the baselines report them. */
export const INVOCATION_KINDS = [
  "fetch",
  "queueBatches",
  "queueMessages",
  "scheduled",
  "doFetch",
  "doRpc",
  "doAlarm",
  "workflowRuns",
] as const;
export type InvocationKind = (typeof INVOCATION_KINDS)[number];

/** Billed as a Worker request each (Workers Standard; a Workflow instance's run alike). */
const WORKER_KINDS = ["fetch", "queueBatches", "scheduled", "workflowRuns"] as const;
/** Billed as a Durable Object request each (an alarm and every RPC call included). */
const DO_KINDS = ["doFetch", "doRpc", "doAlarm"] as const;

/** One service's counts over a run (or per saga); null: not counted by that code. */
export interface Usage {
  invocations: Record<InvocationKind, number>;
  queueOperations: number | null;
  d1Queries: number | null;
  d1RowsRead: number | null;
  d1RowsWritten: number | null;
}

export const COST_KINDS = [
  "Worker requests",
  "Workers CPU",
  "Durable Object requests",
  "queue operations",
  "D1 rows read",
  "D1 rows written",
] as const;
export type CostKind = (typeof COST_KINDS)[number];

/** Dollars per million orders, by service and by kind; null where a count is missing. */
export interface Cost {
  byService: Record<string, Record<CostKind, number | null>>;
  byKind: Record<CostKind, number | null>;
  total: number | null;
}

const ZERO_INVOCATIONS = Object.fromEntries(INVOCATION_KINDS.map((k) => [k, 0])) as Record<
  InvocationKind,
  number
>;

/** A usage with every count 0 (the start of a sum). */
export function emptyUsage(): Usage {
  return {
    invocations: { ...ZERO_INVOCATIONS },
    queueOperations: 0,
    d1Queries: 0,
    d1RowsRead: 0,
    d1RowsWritten: 0,
  };
}

const nullable = (a: number | null, b: number | null, f: (x: number, y: number) => number) =>
  a === null || b === null ? null : f(a, b);

function combine(a: Usage, b: Usage, f: (x: number, y: number) => number): Usage {
  return {
    invocations: Object.fromEntries(
      INVOCATION_KINDS.map((k) => [k, f(a.invocations[k], b.invocations[k])]),
    ) as Record<InvocationKind, number>,
    queueOperations: nullable(a.queueOperations, b.queueOperations, f),
    d1Queries: nullable(a.d1Queries, b.d1Queries, f),
    d1RowsRead: nullable(a.d1RowsRead, b.d1RowsRead, f),
    d1RowsWritten: nullable(a.d1RowsWritten, b.d1RowsWritten, f),
  };
}

/** What happened between two reads of cumulative counts. */
export const usageBetween = (before: Usage, after: Usage): Usage =>
  combine(after, before, (x, y) => x - y);

/** Every service's usage added up (a null count anywhere makes that count null). */
export const sumUsage = (usages: readonly Usage[]): Usage =>
  usages.reduce((sum, u) => combine(sum, u, (x, y) => x + y), emptyUsage());

/** Counts per saga (rounded to 0.01); every count 0 for a run without sagas is not a figure: null. */
export function usagePerSaga(usage: Usage, sagas: number): Usage | null {
  if (sagas <= 0) return null;
  const per = (n: number) => round(n / sagas, 2);
  const perNull = (n: number | null) => (n === null ? null : per(n));
  return {
    invocations: Object.fromEntries(
      INVOCATION_KINDS.map((k) => [k, per(usage.invocations[k])]),
    ) as Record<InvocationKind, number>,
    queueOperations: perNull(usage.queueOperations),
    d1Queries: perNull(usage.d1Queries),
    d1RowsRead: perNull(usage.d1RowsRead),
    d1RowsWritten: perNull(usage.d1RowsWritten),
  };
}

/** Worker invocations (billed as Worker requests) per saga. */
export const workerRequests = (u: Usage) => WORKER_KINDS.reduce((n, k) => n + u.invocations[k], 0);
/** Durable Object requests per saga. */
export const doRequests = (u: Usage) => DO_KINDS.reduce((n, k) => n + u.invocations[k], 0);

/** `count` units per order at `price`, in dollars per million orders. */
const dollars = (count: number | null, price: ListPrice) =>
  count === null ? null : count * price.usdPerMillion;

/**
 * Dollars per million orders: each service's counts per saga at list price, and the stack's
 * CPU per saga (process CPU, which no service can be told apart in) as its own line.
 * @example priceSaga({ order: usagePerSaga(u, 100) }, 12.5).total // 12.5 ms CPU = $0.25 per M orders, plus the counts
 */
export function priceSaga(perSaga: Record<string, Usage>, cpuMsPerSaga: number | null): Cost {
  const byService: Cost["byService"] = {};
  for (const [service, u] of Object.entries(perSaga))
    byService[service] = {
      "Worker requests": dollars(workerRequests(u), WORKER_REQUEST),
      "Workers CPU": null,
      "Durable Object requests": dollars(doRequests(u), DO_REQUEST),
      "queue operations": dollars(u.queueOperations, QUEUE_OPERATION),
      "D1 rows read": dollars(u.d1RowsRead, D1_ROW_READ),
      "D1 rows written": dollars(u.d1RowsWritten, D1_ROW_WRITTEN),
    };
  const byKind = Object.fromEntries(
    COST_KINDS.map((kind) => {
      if (kind === "Workers CPU") return [kind, dollars(cpuMsPerSaga, WORKER_CPU_MS)];
      const parts = Object.values(byService).map((s) => s[kind]);
      const sum = parts.some((p) => p === null)
        ? null
        : parts.reduce((n: number, p) => n + (p as number), 0);
      return [kind, sum];
    }),
  ) as Record<CostKind, number | null>;
  const kinds = Object.values(byKind);
  const total = kinds.some((k) => k === null)
    ? null
    : kinds.reduce((n: number, k) => n + (k as number), 0);
  return {
    byService,
    byKind: Object.fromEntries(
      COST_KINDS.map((k) => [k, byKind[k] === null ? null : round(byKind[k] as number, 4)]),
    ) as Record<CostKind, number | null>,
    total: total === null ? null : round(total, 4),
  };
}

/** One column of the side-by-side table: ours, the bare saga or the Workflow, at one concurrency. */
export interface CostColumn {
  label: string;
  sagas: number;
  /** Counts per saga, by service (one entry for a baseline Worker). */
  perSaga: Record<string, Usage> | null;
  /** workerd process CPU over the run / sagas, and the same with the bench's own polls taken out. */
  cpuMs: number | null;
  cpuMsWithoutPolls: number | null;
  /** The bench's outcome polls per saga (reads of the order, not part of the saga). */
  pollsPerSaga: number | null;
  /** Server-side accepted -> CONFIRMED. */
  latency: { p50: number; p99: number } | null;
  cost: Cost | null;
}

const cell = (n: number | null | undefined, digits = 2) =>
  n === null || n === undefined || !Number.isFinite(n) ? "n/a" : String(round(n, digits));

/** The figures of the table, in order: [label, value of one column]. */
export function costLines(c: CostColumn): [string, string][] {
  const total = c.perSaga ? sumUsage(Object.values(c.perSaga)) : null;
  const inv = (k: InvocationKind) => cell(total?.invocations[k]);
  const lines: [string, string][] = [
    ["sagas", String(c.sagas)],
    [
      "accepted -> CONFIRMED p50 / p99 (ms)",
      c.latency ? `${cell(c.latency.p50, 0)} / ${cell(c.latency.p99, 0)}` : "n/a",
    ],
    ["workerd CPU ms per saga", cell(c.cpuMs)],
    ["workerd CPU ms per saga, bench polls taken out", cell(c.cpuMsWithoutPolls)],
    ["bench polls per saga", cell(c.pollsPerSaga)],
    ["Worker invocations: fetch", inv("fetch")],
    ["Worker invocations: queue batches", inv("queueBatches")],
    ["Worker invocations: scheduled", inv("scheduled")],
    ["Workflow runs", inv("workflowRuns")],
    [
      "Durable Object requests: fetch / RPC / alarm",
      total ? `${inv("doFetch")} / ${inv("doRpc")} / ${inv("doAlarm")}` : "n/a",
    ],
    ["queue messages delivered", inv("queueMessages")],
    ["queue operations", cell(total?.queueOperations)],
    ["D1 queries", cell(total?.d1Queries)],
    [
      "D1 rows read / written",
      total ? `${cell(total.d1RowsRead)} / ${cell(total.d1RowsWritten)}` : "n/a",
    ],
  ];
  for (const kind of COST_KINDS)
    lines.push([`$ per million orders: ${kind}`, cell(c.cost?.byKind[kind], 3)]);
  lines.push(["$ per million orders, total", cell(c.cost?.total, 3)]);
  return lines;
}

/** A markdown table, one column per `columns` entry (ours, bare, Workflow), at concurrency `c`. */
export function costTable(c: number, columns: readonly CostColumn[]): string {
  const bodies = columns.map(costLines);
  const head = `| per saga, ${c} in flight | ${columns.map((col) => col.label).join(" | ")} |`;
  const rule = `|---|${columns.map(() => "---:").join("|")}|`;
  const rows = (bodies[0] ?? []).map(
    ([label], i) => `| ${label} | ${bodies.map((b) => b[i]?.[1] ?? "n/a").join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}

/** Dollars per million orders by service and kind for one column (ours: which service costs what). */
export function serviceCostTable(c: number, column: CostColumn): string {
  const services = Object.keys(column.cost?.byService ?? {});
  if (services.length === 0) return "";
  const kinds = COST_KINDS.filter((k) => k !== "Workers CPU");
  const head = `| ${column.label}, ${c} in flight, $ per million orders | ${kinds.join(" | ")} |`;
  const rule = `|---|${kinds.map(() => "---:").join("|")}|`;
  const rows = services.map(
    (s) => `| ${s} | ${kinds.map((k) => cell(column.cost?.byService[s]?.[k], 3)).join(" | ")} |`,
  );
  return [head, rule, ...rows].join("\n");
}
