import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";
import { ApiClient } from "../api-client";
import { measuringCpu } from "./cost-cpu";
import { latencyRow, type Row } from "./report";
import { round, type Summary, summarize } from "./stats";
import {
  BENCH_CUSTOMERS,
  type BenchClient,
  placeOrder,
  pool,
  type SagaResult,
  sagaLatency,
  waitForSagas,
} from "./workloads";

/**
 * "The outcome without polling" through the public API (issue 25, Done-when #4): closed-loop
 * clients that place an order and then wait for its outcome the way a shop's client does,
 * `GET /orders/{id}` with `Prefer: wait=30` until the order is no longer PENDING, so a saga
 * should cost its client two requests. The figure is the whole local stack's workerd CPU over
 * the run per saga whose outcome a client saw, and the client requests each saga took.
 */

/** Issue 25's targets: workerd CPU per completed saga and client requests per saga. */
export const API_WAIT_CPU_TARGET_MS = 15;
export const API_WAIT_REQUESTS_TARGET = 2;
/** How long a client waits for one outcome before it counts the saga unfinished. */
const OUTCOME_TIMEOUT_MS = 60_000;
/** How long the stack's idle CPU is read for, before the run. */
const IDLE_MS = 2_000;

/** Client requests one saga took: every try on the wire (resends and busy retries included). */
export interface SagaRequests {
  requests: number;
}

/** The saga whose requests the current async context sends, if any (see `tallyFetch`). */
const currentSaga = new AsyncLocalStorage<SagaRequests>();

/** Counts every request sent within `currentSaga.run(...)` on that saga, then sends it. */
export const tallyFetch: typeof fetch = (input, init) => {
  const saga = currentSaga.getStore();
  if (saga) saga.requests++;
  return fetch(input, init);
};

/** Runs `work` with every request it sends counted on a fresh tally. */
export async function countingRequests<T>(
  work: () => Promise<T>,
): Promise<{ result: T; requests: number }> {
  const tally: SagaRequests = { requests: 0 };
  const result = await currentSaga.run(tally, work);
  return { result, requests: tally.requests };
}

/** Client requests per saga over a run: mean, most any one saga took, and all of them. */
export function requestsPerSaga(perSaga: readonly number[]): {
  mean: number | null;
  max: number | null;
  total: number;
} {
  const total = perSaga.reduce((n, r) => n + r, 0);
  if (perSaga.length === 0) return { mean: null, max: null, total };
  return { mean: round(total / perSaga.length, 2), max: Math.max(...perSaga), total };
}

export interface ApiWaitResult {
  concurrency: number;
  /** Sagas whose outcome (not PENDING) a client saw. */
  completed: number;
  /** Orders still PENDING when their client gave up. */
  unfinished: number;
  seconds: number;
  sagasPerSecond: number;
  /** workerd CPU of the whole stack over the run; null where it cannot be read. */
  cpuMs: number | null;
  cpuMsPerSaga: number | null;
  /** workerd CPU of the idle stack, ms per second: the floor under the run's figure. */
  idleCpuMsPerSecond: number | null;
  requests: { mean: number | null; max: number | null; total: number };
  /** Client side: POST sent -> outcome answered. */
  clientLatency: Summary;
  /** Server side, read once after the run from each order's history. */
  server: SagaResult;
}

/**
 * The API client of this section: GETs may last 40 s, so `waitForOutcome` asks the full 30 s
 * hold; every request of a saga is counted on it (`countingRequests`).
 */
function waitingApi(client: BenchClient): ApiClient {
  return new ApiClient(client.baseUrl, client.adminToken, {
    attempts: 3,
    timeoutMs: (method) => (method === "GET" ? 40_000 : 60_000),
    fetch: tallyFetch,
  });
}

/**
 * `concurrency` clients, each placing an order then waiting for its outcome with
 * `Prefer: wait` before the next, `sagas` in all after `2 x concurrency` unmeasured ones, with
 * the stack's workerd CPU read around the run and 1 s after it (the last sagas' trailing work: points, receipts). Server-side latencies
 * are read after the CPU window, once per order.
 */
export async function apiWaitRun(
  client: BenchClient,
  stackPid: number,
  concurrency: number,
  sagas: number,
): Promise<ApiWaitResult> {
  const api = waitingApi(client);
  // Signed in before the clock runs: a saga's requests are its POST and its waits.
  await Promise.all(BENCH_CUSTOMERS.map((customer) => api.accessToken(customer)));
  const saga = () =>
    countingRequests(async () => {
      const t = performance.now();
      const { id } = await placeOrder(client, undefined, undefined, api);
      const order = await api.waitForOutcome(id, OUTCOME_TIMEOUT_MS);
      const outcome = order !== undefined && order.status !== "PENDING";
      return { id, outcome, ms: performance.now() - t };
    });
  // Unmeasured: the hold's code paths compiled and warm (alone, `--api-only`, they are cold).
  await pool(concurrency, { count: 2 * concurrency }, saga);
  // What the stack spends doing nothing (timers, alarms, the runtime): shown beside the figure,
  // read once the warm-up's trailing work (points, receipts) is done.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const idle = await measuringCpu(stackPid, () => new Promise((r) => setTimeout(r, IDLE_MS)));
  const { result: runs, cpuMs } = await measuringCpu(stackPid, async () => {
    const started = performance.now();
    const done = await pool(concurrency, { count: sagas }, saga);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { done, seconds };
  });
  const finished = runs.done.filter((r) => r.result.outcome);
  const ids = runs.done.map((r) => r.result.id);
  const { times, unfinished } = await waitForSagas(client, ids, 60_000);
  const completed = finished.length;
  return {
    concurrency,
    completed,
    unfinished: runs.done.length - completed,
    seconds: round(runs.seconds, 1),
    sagasPerSecond: round(completed / runs.seconds, 1),
    cpuMs,
    cpuMsPerSaga: cpuMs === null || completed === 0 ? null : round(cpuMs / completed, 2),
    idleCpuMsPerSecond: idle.cpuMs === null ? null : round(idle.cpuMs / (IDLE_MS / 1000), 1),
    requests: requestsPerSaga(runs.done.map((r) => r.requests)),
    clientLatency: summarize(finished.map((r) => r.result.ms)),
    server: sagaLatency(times, unfinished),
  };
}

const SECTION = "outcome without polling (Prefer: wait)";

/** The section's rows: Done-when #4's two targets, the rate and the latencies. */
export function apiWaitRows(r: ApiWaitResult | null): Row[] {
  if (!r) return [];
  const c = r.concurrency;
  const { mean, max } = r.requests;
  return [
    {
      section: SECTION,
      figure: `whole stack workerd CPU per completed saga, public API, ${c} in flight (idle stack: ${r.idleCpuMsPerSecond ?? "n/a"} ms/s)`,
      value: r.cpuMsPerSaga,
      unit: "ms",
      samples: r.completed,
      target: `<= ${API_WAIT_CPU_TARGET_MS}`,
      met: r.cpuMsPerSaga !== null && r.cpuMsPerSaga <= API_WAIT_CPU_TARGET_MS,
    },
    {
      section: SECTION,
      figure: `client requests per saga (POST + waits), ${c} in flight; most for one saga: ${max ?? "n/a"}`,
      value: mean,
      unit: "requests",
      samples: r.completed + r.unfinished,
      target: `<= ${API_WAIT_REQUESTS_TARGET} each`,
      met: max !== null && max <= API_WAIT_REQUESTS_TARGET,
    },
    {
      section: SECTION,
      figure: `sagas completed per second, ${c} in flight (${r.unfinished} unfinished)`,
      value: r.sagasPerSecond,
      unit: "orders/s",
      samples: r.completed,
    },
    latencyRow(
      SECTION,
      `client: POST /orders -> outcome answered, ${c} in flight`,
      r.clientLatency,
    ),
    latencyRow(SECTION, `server: accepted -> CONFIRMED, ${c} in flight`, r.server.toConfirmed),
  ];
}

/** One log line of the section. */
export function apiWaitLine(r: ApiWaitResult): string {
  const cpu = r.cpuMsPerSaga === null ? "n/a" : `${r.cpuMsPerSaga} ms`;
  return `outcome without polling, c=${r.concurrency}: ${cpu} workerd CPU per saga (target <= ${API_WAIT_CPU_TARGET_MS}), ${r.requests.mean ?? "n/a"} requests per saga (max ${r.requests.max ?? "n/a"}, target <= ${API_WAIT_REQUESTS_TARGET}), ${r.sagasPerSecond} sagas/s, client p50 ${r.clientLatency.p50} ms`;
}
