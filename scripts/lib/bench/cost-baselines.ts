import { performance } from "node:perf_hooks";
import type { CostColumn, Usage } from "./cost";
import { priceSaga, usageBetween, usagePerSaga } from "./cost";
import { cpuPerCall, measuringCpu } from "./cost-cpu";
import { QUEUE_OPERATIONS_PER_MESSAGE } from "./prices";
import { summarize } from "./stats";
import { startBenchWorker } from "./worker-dev";
import { BENCH_SKUS, pool } from "./workloads";

/**
 * The two baselines of "What a saga costs" (issue 25): the bare saga (bench/bare-saga) and the
 * same saga as a Workflow (bench/workflow-saga), each in its own `wrangler dev`, started after
 * the system's stack stopped so none shares the CPU, and driven like ours: `c` clients in a
 * closed loop, each placing an order and polling it until its saga ended.
 */

export const BASELINES = {
  bare: { label: "bare saga", config: "bench/bare-saga/wrangler.toml" },
  workflow: { label: "Workflow", config: "bench/workflow-saga/wrangler.toml" },
} as const;
export type BaselineName = keyof typeof BASELINES;

/** What a baseline Worker's GET /counts answers (bench/bare-saga/src/counted.ts). */
interface Counts {
  isolate: string;
  invocations: Usage["invocations"];
  polls: number;
  messagesSent: number;
  workflowSteps: number;
  d1Queries: number;
  d1RowsRead: number;
  d1RowsWritten: number;
}

interface Status {
  status: string;
  placedAt: number;
  decidedAt: number | null;
  pointsAwardedAt: number | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A baseline's counts as a Usage; the bench's own polls taken out of `fetch`; 3 operations a message. */
export function usageOfCounts(c: Counts): Usage {
  return {
    invocations: { ...c.invocations, fetch: c.invocations.fetch - c.polls },
    queueOperations: c.messagesSent * QUEUE_OPERATIONS_PER_MESSAGE,
    d1Queries: c.d1Queries,
    d1RowsRead: c.d1RowsRead,
    d1RowsWritten: c.d1RowsWritten,
  };
}

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await res.json()) as T;
  if (!res.ok && res.status !== 404)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

const ended = (s: Status | { error: string }): s is Status =>
  "status" in s && (s.status === "REJECTED" || s.pointsAwardedAt !== null);

/**
 * `count` sagas with `concurrency` in flight, closed loop; the client's polls as ours: a first
 * wait of 60% of the typical saga time, then every 25 ms or 10% of the time so far.
 */
async function closedLoop(base: string, concurrency: number, count: number) {
  let typicalMs = 0;
  let n = 0;
  let polls = 0;
  const results = await pool(concurrency, { count }, async () => {
    const i = n++;
    const { id } = await call<{ id: string }>(base, "POST", "/orders", {
      customerId: `bench-customer-${i % 16}`,
      sku: BENCH_SKUS[i % BENCH_SKUS.length],
      quantity: 1,
    });
    const placed = performance.now();
    await sleep(0.6 * typicalMs);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      polls++;
      const s = await call<Status | { error: string }>(base, "GET", `/orders/${id}`);
      if (ended(s)) {
        const ms = performance.now() - placed;
        typicalMs = typicalMs === 0 ? ms : 0.8 * typicalMs + 0.2 * ms;
        return s;
      }
      await sleep(Math.max(25, 0.1 * (performance.now() - placed)));
    }
    return null;
  });
  const done = results.filter((s): s is Status => s !== null);
  const confirmed = done.filter((s) => s.status === "CONFIRMED" && s.decidedAt !== null);
  return {
    sagas: done.length,
    unfinished: results.length - done.length,
    polls,
    toConfirmed: summarize(confirmed.map((s) => (s.decidedAt as number) - s.placedAt)),
  };
}

export interface BaselineRun {
  baseline: BaselineName;
  concurrency: number;
  unfinished: number;
  /** Workflow step bodies run per saga (0 for the bare saga). */
  stepsPerSaga: number | null;
  /** CPU ms one outcome poll costs this Worker (taken out of the CPU per saga). */
  pollCpuMs: number | null;
  column: CostColumn;
}

/**
 * One baseline at each `[concurrency, sagas]` of the plan, in its own `wrangler dev`: a warm-up
 * (not counted), then per run the CPU of its workerd and its counts before and after.
 */
export async function measureBaseline(
  name: BaselineName,
  plan: readonly (readonly [number, number])[],
  workDir: string,
  log: (line: string) => void,
): Promise<BaselineRun[]> {
  const { label, config } = BASELINES[name];
  const worker = await startBenchWorker(config, workDir, name);
  try {
    await call(worker.base, "POST", `/setup?skus=${BENCH_SKUS.join(",")}`);
    await closedLoop(worker.base, 4, 8); // warm-up: compile, open the databases
    const runs: BaselineRun[] = [];
    for (const [concurrency, count] of plan) {
      const before = await call<Counts>(worker.base, "GET", "/counts");
      const { result, cpuMs } = await measuringCpu(worker.pid, async () => {
        const run = await closedLoop(worker.base, concurrency, count);
        await sleep(1_000); // the saga's trailing work (none is left once points are awarded)
        return run;
      });
      const after = await call<Counts>(worker.base, "GET", "/counts");
      const valid = before.isolate === after.isolate;
      const usage = valid ? usageBetween(usageOfCounts(before), usageOfCounts(after)) : null;
      const perSaga = usage ? usagePerSaga(usage, result.sagas) : null;
      const polls = after.polls - before.polls;
      runs.push({
        baseline: name,
        concurrency,
        unfinished: result.unfinished,
        stepsPerSaga:
          valid && result.sagas > 0
            ? (after.workflowSteps - before.workflowSteps) / result.sagas
            : null,
        pollCpuMs: null,
        column: {
          label,
          sagas: result.sagas,
          perSaga: perSaga ? { [name]: perSaga } : null,
          cpuMs: cpuMs === null || result.sagas === 0 ? null : cpuMs / result.sagas,
          cpuMsWithoutPolls: null,
          pollsPerSaga: result.sagas > 0 ? polls / result.sagas : null,
          latency: result.toConfirmed.samples > 0 ? result.toConfirmed : null,
          cost: null,
        },
      });
      log(
        `${label} c=${concurrency}: ${result.sagas} sagas, accepted -> CONFIRMED p50 ${result.toConfirmed.p50} ms, ${runs.at(-1)?.column.cpuMs?.toFixed(2) ?? "n/a"} CPU ms per saga`,
      );
    }
    // What one poll costs, measured once with nothing else running: taken out of every run.
    const { id } = await call<{ id: string }>(worker.base, "POST", "/orders", {
      customerId: "bench-poll-cost",
      sku: BENCH_SKUS[0],
    });
    await sleep(500);
    const pollCpuMs = await cpuPerCall(worker.pid, 50, () =>
      call(worker.base, "GET", `/orders/${id}`),
    );
    return runs.map((r) => withPollsOut(r, pollCpuMs));
  } finally {
    await worker.stop();
  }
}

/** The run with its CPU per saga less the polls' share, and priced. */
function withPollsOut(r: BaselineRun, pollCpuMs: number | null): BaselineRun {
  const { cpuMs, pollsPerSaga, perSaga } = r.column;
  const cpuMsWithoutPolls =
    cpuMs === null || pollCpuMs === null || pollsPerSaga === null
      ? null
      : Math.max(0, cpuMs - pollsPerSaga * pollCpuMs);
  return {
    ...r,
    pollCpuMs,
    column: {
      ...r.column,
      cpuMsWithoutPolls,
      cost: perSaga ? priceSaga(perSaga, cpuMsWithoutPolls) : null,
    },
  };
}
