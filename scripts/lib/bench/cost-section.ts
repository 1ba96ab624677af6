import {
  type CostColumn,
  costTable,
  emptyUsage,
  priceSaga,
  serviceCostTable,
  type Usage,
  usageBetween,
  usagePerSaga,
} from "./cost";
import type { BaselineRun } from "./cost-baselines";
import type { D1PerSaga } from "./d1-calls";
import { QUEUE_OPERATIONS_PER_MESSAGE } from "./prices";
import type { Row } from "./report";
import { ratio, round } from "./stats";
import type { SagaResult } from "./workloads";

/**
 * The bench's "What a saga costs" section (issue 25): ours, the bare saga and the Workflow side
 * by side per concurrency, from one run. Ours' invocation counts come from the services' bench
 * counts route once it reports them; until then they are NaN (printed n/a) and ours has no
 * dollar total, while its CPU, D1 queries and queue messages are measured.
 */

/** Ours at one concurrency, as the saga section measured it. */
export interface OursRun {
  sagas: number;
  cpuMs: number | null;
  polls: number;
  saga: SagaResult;
  d1: D1PerSaga | undefined;
  /** Per service, when the counts route reports invocations and rows. */
  perSaga?: Record<string, Usage> | null;
}

/** One service's answer of the bench counts route, as far as the cost reads it (fields optional: older commits). */
export interface CountedService {
  isolate: string;
  total: number;
  invocations?: Partial<Usage["invocations"]>;
  queueOperations?: { write: number; read: number; delete: number };
  d1RowsRead?: number | null;
  d1RowsWritten?: number | null;
}

/** A service's counts as a Usage; null when the route does not report invocations. */
export function usageOfService(s: CountedService): Usage | null {
  if (!s.invocations) return null;
  const inv = { ...emptyUsage().invocations, ...s.invocations };
  const ops = s.queueOperations;
  return {
    invocations: inv,
    queueOperations: ops ? ops.write + ops.read + ops.delete : null,
    d1Queries: s.total,
    d1RowsRead: s.d1RowsRead ?? null,
    d1RowsWritten: s.d1RowsWritten ?? null,
  };
}

/**
 * Ours per saga and service from two reads of every service's counts; the bench's outcome polls
 * (one order-service fetch each) taken out. Null if a service did not report or restarted.
 */
export function oursUsagePerSaga(
  before: Record<string, CountedService>,
  after: Record<string, CountedService>,
  sagas: number,
  polls: number,
): Record<string, Usage> | null {
  const perSaga: Record<string, Usage> = {};
  for (const [service, was] of Object.entries(before)) {
    const is = after[service];
    const from = usageOfService(was);
    const to = is ? usageOfService(is) : null;
    if (!is || !from || !to || is.isolate !== was.isolate) return null;
    const run = usageBetween(from, to);
    if (service === "order") run.invocations.fetch -= polls;
    const per = usagePerSaga(run, sagas);
    if (!per) return null;
    perSaga[service] = per;
  }
  return perSaga;
}

/** Target of issue 25: ours at most 1.5x the bare saga in workerd CPU per saga at 8 in flight. */
export const CPU_OVER_BARE_TARGET = 1.5;

function oursPerSaga(r: OursRun): Record<string, Usage> | null {
  if (r.perSaga) return r.perSaga;
  if (!r.d1) return null;
  const { events, receipts } = r.d1.queueMessages;
  const unknown = Object.fromEntries(
    Object.keys(emptyUsage().invocations).map((k) => [k, Number.NaN]),
  ) as Usage["invocations"];
  return {
    "all services": {
      invocations: unknown,
      queueOperations:
        events === null || receipts === null
          ? null
          : (events + receipts) * QUEUE_OPERATIONS_PER_MESSAGE,
      d1Queries: r.d1.total,
      d1RowsRead: null,
      d1RowsWritten: null,
    },
  };
}

export function oursColumn(r: OursRun, pollCpuMs: number | null): CostColumn {
  const perSaga = oursPerSaga(r);
  const cpuMs = r.cpuMs === null || r.sagas === 0 ? null : r.cpuMs / r.sagas;
  const pollsPerSaga = r.sagas === 0 ? null : r.polls / r.sagas;
  const cpuMsWithoutPolls =
    cpuMs === null || pollCpuMs === null || pollsPerSaga === null
      ? null
      : Math.max(0, cpuMs - pollsPerSaga * pollCpuMs);
  return {
    label: "ours",
    sagas: r.sagas,
    perSaga,
    cpuMs,
    cpuMsWithoutPolls,
    pollsPerSaga,
    latency: r.saga.toConfirmed.samples > 0 ? r.saga.toConfirmed : null,
    cost: perSaga ? priceSaga(perSaga, cpuMsWithoutPolls) : null,
  };
}

export interface CostSection {
  columns: Record<number, CostColumn[]>;
  rows: Row[];
  markdown: string;
}

/** The three columns per concurrency, the table rows and the markdown tables. */
export function costSection(
  ours: Record<number, OursRun>,
  oursPollCpuMs: number | null,
  baselines: readonly BaselineRun[],
): CostSection {
  const columns: Record<number, CostColumn[]> = {};
  const rows: Row[] = [];
  const tables: string[] = [
    "## What a saga costs (per saga; dollars per million orders at list price)",
  ];
  for (const [key, run] of Object.entries(ours)) {
    const c = Number(key);
    const cols = [
      oursColumn(run, oursPollCpuMs),
      ...baselines.filter((b) => b.concurrency === c).map((b) => b.column),
    ];
    columns[c] = cols;
    tables.push(costTable(c, cols), serviceCostTable(c, cols[0] as CostColumn));
    for (const col of cols)
      rows.push(
        {
          section: "What a saga costs",
          figure: `${col.label}: workerd CPU per saga, ${c} in flight (bench polls out: ${col.cpuMsWithoutPolls === null ? "n/a" : round(col.cpuMsWithoutPolls, 2)})`,
          value: col.cpuMs === null ? null : round(col.cpuMs, 2),
          unit: "ms",
          samples: col.sagas,
        },
        {
          section: "What a saga costs",
          figure: `${col.label}: dollars per million orders, ${c} in flight`,
          value: col.cost?.total ?? null,
          unit: "$",
          samples: col.sagas,
        },
      );
    const bare = cols.find((col) => col.label === "bare saga");
    const over = ratio(
      cols[0]?.cpuMsWithoutPolls ?? undefined,
      bare?.cpuMsWithoutPolls ?? undefined,
    );
    rows.push({
      section: "What a saga costs",
      figure: `ours / bare saga, workerd CPU per saga (polls out), ${c} in flight (raw: ${ratio(cols[0]?.cpuMs ?? undefined, bare?.cpuMs ?? undefined) ?? "n/a"}x)`,
      value: over,
      unit: "x",
      ...(c === 8
        ? {
            target: `<= ${CPU_OVER_BARE_TARGET}`,
            met: over !== null && over <= CPU_OVER_BARE_TARGET,
          }
        : {}),
    });
  }
  return { columns, rows, markdown: `${tables.filter(Boolean).join("\n\n")}\n` };
}
