import { WRITE_PATHS, type WritePath } from "@edge-saga/contracts";
import { countingD1, type D1PerSaga, d1PerSaga } from "./d1-calls";
import { latencyRow, type Row } from "./report";
import { round, type Summary, summarize } from "./stats";
import {
  type BenchClient,
  placeOrder,
  pool,
  type SagaResult,
  sagaClosedLoop,
  sagaLatency,
  waitForSagas,
} from "./workloads";

/** One write path's figures, all measured in the same run and stack as the others'. */
export interface WritePathResult {
  path: WritePath;
  /** POST /orders -> 202, per concurrency; the paths interleaved request by request. */
  accept: Record<number, Summary>;
  /** Closed-loop saga at `sagaConcurrency` in flight. */
  saga: SagaResult;
  sagasPerSecond: number;
  /** D1 calls and queue messages per saga, every service, over that closed loop. */
  d1: D1PerSaga;
}

/**
 * The three write paths side by side (issue 15): accept latency with the paths interleaved
 * (same machine load at the same moments), then per path a closed-loop saga run counted for D1
 * calls and queue messages. Every order goes through the same production route, with the
 * path named by the bench-only header instead of the WRITE_PATH var.
 */
export async function compareWritePaths(
  client: BenchClient,
  plan: { accept: [number, number][]; saga: [number, number] },
  historyCost: number,
  log: (line: string) => void,
): Promise<WritePathResult[]> {
  const accept = new Map<WritePath, Record<number, Summary>>(WRITE_PATHS.map((p) => [p, {}]));
  for (const [concurrency, count] of plan.accept) {
    let turn = 0;
    const results = await pool(concurrency, { count: count * WRITE_PATHS.length }, async () => {
      const path = WRITE_PATHS[turn++ % WRITE_PATHS.length] as WritePath;
      return { path, ...(await placeOrder(client, path)) };
    });
    await waitForSagas(
      client,
      results.map((r) => r.id),
      60_000 + count * 300,
    );
    for (const path of WRITE_PATHS) {
      const latency = summarize(results.filter((r) => r.path === path).map((r) => r.ms));
      (accept.get(path) as Record<number, Summary>)[concurrency] = latency;
      log(
        `write path ${path}, c=${concurrency}: accept p50 ${latency.p50} / p99 ${latency.p99} ms`,
      );
    }
  }
  const [concurrency, count] = plan.saga;
  const results: WritePathResult[] = [];
  for (const path of WRITE_PATHS) {
    const { result: run, window } = await countingD1(client, () =>
      sagaClosedLoop(client, concurrency, count, path),
    );
    const saga = sagaLatency(run.times, run.unfinished);
    const d1 = d1PerSaga(window, run.times.length, historyCost);
    const sagasPerSecond = round(run.ids.length / run.seconds, 1);
    log(
      `write path ${path}, saga c=${concurrency}: -> CONFIRMED p50 ${saga.toConfirmed.p50} / p99 ${saga.toConfirmed.p99} ms; ${d1.total} D1 calls (order ${d1.services.order}), ${d1.queueMessages.events} event + ${d1.queueMessages.receipts} receipt messages per saga`,
    );
    results.push({ path, accept: accept.get(path) ?? {}, saga, sagasPerSecond, d1 });
  }
  return results;
}

/** The table rows: each figure once per path, in the same section so they read side by side. */
export function writePathRows(results: WritePathResult[], sagaConcurrency: number): Row[] {
  const section = "write paths side by side";
  return results.flatMap((r) => [
    ...Object.entries(r.accept).map(([c, latency]) =>
      latencyRow(section, `${r.path}: POST /orders -> 202, concurrency ${c}`, latency),
    ),
    latencyRow(
      section,
      `${r.path}: accepted -> CONFIRMED, ${sagaConcurrency} in flight`,
      r.saga.toConfirmed,
    ),
    {
      section,
      figure: `${r.path}: D1 calls per saga, all services (order service: ${r.d1.services.order ?? "n/a"})`,
      value: r.d1.total,
      unit: "calls",
      samples: r.d1.sagas,
    },
    {
      section,
      figure: `${r.path}: queue messages per saga (events; receipts: ${r.d1.queueMessages.receipts ?? "n/a"})`,
      value: r.d1.queueMessages.events,
      unit: "messages",
      samples: r.d1.sagas,
    },
    {
      section,
      figure: `${r.path}: sagas completed per second, ${sagaConcurrency} in flight`,
      value: r.sagasPerSecond,
      unit: "orders/s",
      samples: r.saga.orders,
    },
  ]);
}

/** The same figures as a table with one column per path: what bench/results/latest.md shows. */
export function writePathTable(results: WritePathResult[], sagaConcurrency: number): string {
  if (results.length === 0) return "";
  const cell = (f: (r: WritePathResult) => string) => results.map(f).join(" | ");
  const latency = (s: Summary | undefined) => (s ? `${s.p50} / ${s.p99}` : "n/a");
  const concurrencies = Object.keys(results[0]?.accept ?? {});
  const lines = [
    `## Write paths side by side (same run, same stack)`,
    "",
    `| figure | ${cell((r) => r.path)} |`,
    `|---|${cell(() => "---")}|`,
    ...concurrencies.map(
      (c) =>
        `| POST /orders -> 202, concurrency ${c}, p50 / p99 ms | ${cell((r) => latency(r.accept[Number(c)]))} |`,
    ),
    `| accepted -> CONFIRMED, ${sagaConcurrency} in flight, p50 / p99 ms | ${cell((r) => latency(r.saga.toConfirmed))} |`,
    `| sagas completed per second, ${sagaConcurrency} in flight | ${cell((r) => String(r.sagasPerSecond))} |`,
    `| D1 calls per saga, all services | ${cell((r) => String(r.d1.total ?? "n/a"))} |`,
    `| D1 calls per saga, order service | ${cell((r) => String(r.d1.services.order ?? "n/a"))} |`,
    `| queue messages per saga: events + receipts | ${cell((r) => `${r.d1.queueMessages.events ?? "n/a"} + ${r.d1.queueMessages.receipts ?? "n/a"}`)} |`,
  ];
  return `${lines.join("\n")}\n`;
}
