/**
 * `npm run bench [-- --quick] [--out <dir>] [--sagas-only | --shards-only | --api-only] [--shards N]`
 *
 * Starts the whole system locally on a fresh state (own port, own temp state dir), runs the
 * workloads described in bench/README.md, and writes `latest.json`, `latest.md` and
 * `latest.svg` to the results dir (default bench/results). Every process it starts is stopped
 * before it exits, and the state dir is removed. `--sagas-only`: only the closed-loop saga runs
 * (latency, sagas per second, D1 calls per saga), e.g. to measure an older commit.
 * `--shards-only`: only the "shards" section (the same sagas on 1, 2 and 4 shards per service).
 * `--api-only`: only the "outcome without polling" section (clients waiting with `Prefer: wait`).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type ApiWaitResult, apiWaitLine, apiWaitRows, apiWaitRun } from "./lib/bench/api-wait";
import { type BareRelayResult, bareRelay } from "./lib/bench/bare-relay";
import { type ConsumerCostResult, measureConsumerCost } from "./lib/bench/consumer-cost";
import { type BaselineRun, measureBaseline } from "./lib/bench/cost-baselines";
import { cpuPerCall, measuringCpu } from "./lib/bench/cost-cpu";
import { costSection, type OursRun, oursUsagePerSaga } from "./lib/bench/cost-section";
import {
  countingD1,
  D1_SERVICES,
  type D1PerSaga,
  type D1Service,
  type D1Window,
  d1PerSaga,
  historyCallCost,
} from "./lib/bench/d1-calls";
import {
  DRAIN_STATS_SQL,
  DRAIN_SUBSCRIBERS,
  type DrainResult,
  drainRun,
  RELAY_SELECT,
  withServerRates,
} from "./lib/bench/drain";
import { hops, readTables } from "./lib/bench/hops";
import { latencyRow, markdown, type Row, svg } from "./lib/bench/report";
import { measureRetention, retentionRows } from "./lib/bench/retention";
import { measureShards } from "./lib/bench/shard-runs";
import { ORDER_BUSIEST_TARGET, orderBusiestRatio, shardRows } from "./lib/bench/shard-scaling";
import { ratio, round } from "./lib/bench/stats";
import {
  type AcceptResult,
  acceptLatencyVsDirect,
  type BacklogSample,
  benchApi,
  type SagaResult,
  sagaClosedLoop,
  sagaLatency,
  setPollingRelay,
  setup,
  throughput,
  waitForSagas,
} from "./lib/bench/workloads";
import { compareWritePaths, writePathRows, writePathTable } from "./lib/bench/write-paths";
import { type LocalStack, startLocalStack } from "./lib/local-stack";
import { parseShards } from "./lib/shards";
import { ROOT } from "./lib/wrangler";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "results") },
    "sagas-only": { type: "boolean", default: false },
    "shards-only": { type: "boolean", default: false },
    "api-only": { type: "boolean", default: false },
    shards: { type: "string" },
  },
});
/** D1 databases per stateful service of the stack measured (`--shards N`, default 1). */
const shards = (() => {
  try {
    return parseShards(values.shards);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
})();
const quick = values.quick;
const sagasOnly = values["sagas-only"];
const shardsOnly = values["shards-only"];
const apiOnly = values["api-only"];
const PLAN = quick
  ? {
      // A smoke run under 2 minutes: accept at concurrency 32 only in the full run; sagas at 32
      // in flight in both (sagas per second, issue 12).
      accept: [
        [1, 40],
        [8, 160],
      ],
      saga: [
        [1, 12],
        [8, 64],
        [32, 96],
      ],
      throughputSeconds: 8,
      // The same sagas on 1, 2 and 4 shards per service (shard-runs.ts), one stack at a time.
      // 32 in flight: a shard's capacity is what it does busy; at 8 over 4 shards each shard's
      // batches and relay runs carry 2 sagas, and their fixed cost per batch is all it shows.
      shardScaling: { sagas: 192, concurrency: 32 },
      backlogs: [1_000, 10_000],
      pollingOrders: 24,
      // Clients waiting for the outcome with Prefer: wait: [concurrency, sagas] (issue 25).
      apiWait: [16, 160],
      // Rows of each kind retention prunes from the view's database (issue 26).
      retentionRows: 20_000,
      // What a saga costs: the bare saga and the Workflow, [concurrency, sagas] each (issue 25).
      costBaselines: [
        [1, 6],
        [8, 24],
        [32, 48],
      ],
      // Per write path: accept [concurrency, orders], then a closed-loop saga run.
      writePaths: {
        accept: [
          [1, 15],
          [8, 40],
        ],
        saga: [8, 40],
      },
    }
  : {
      // Samples per figure: enough for a stable p99 (>= 100 per side), within the 10-minute budget.
      accept: [
        [1, 200],
        [8, 480],
        [32, 640],
      ],
      saga: [
        [1, 40],
        [8, 200],
        [32, 256],
      ],
      throughputSeconds: 30,
      shardScaling: { sagas: 384, concurrency: 32 },
      backlogs: [1_000, 10_000, 50_000],
      pollingOrders: 64,
      apiWait: [16, 480],
      retentionRows: 200_000,
      costBaselines: [
        [1, 40],
        [8, 160],
        [32, 256],
      ],
      writePaths: {
        accept: [
          [1, 60],
          [8, 160],
        ],
        saga: [8, 160],
      },
    };
/** The polling-relay baseline's interval: generous to it (a cron-driven relay polls every 60 s). */
const POLL_INTERVAL_MS = 1_000;
/** Between sendBatch calls of the bare relay: the local queue broker's timer quota (platform.md). */
const BARE_PAUSE_MS = 1;
/** Sagas completed per second at 32 in flight before issue 12 (issue 12: "about 20/s on this machine"). */
const SAGAS_PER_SECOND_BEFORE = 20;
/**
 * D1 calls per saga measured at commit f0d7990, before issue 12's consumer rewrite
 * (bench/README.md): issue 12's target is at most half of it.
 */
interface BeforeIssue12 {
  commit: string;
  d1CallsPerSaga: Record<
    string,
    { total: number | null } & Partial<Record<D1Service, number | null>>
  >;
}
const BEFORE_FILE = join(ROOT, "bench", "baseline-before-issue-12.json");
const before: BeforeIssue12 | null = existsSync(BEFORE_FILE)
  ? (JSON.parse(readFileSync(BEFORE_FILE, "utf8")) as BeforeIssue12)
  : null;
/** The same figures on issue 12's final code, before delivery receipts (issue 13) added their cost. */
const AFTER_12_FILE = join(ROOT, "bench", "baseline-after-issue-12.json");
const beforeReceipts: BeforeIssue12 | null = existsSync(AFTER_12_FILE)
  ? (JSON.parse(readFileSync(AFTER_12_FILE, "utf8")) as BeforeIssue12)
  : null;

const t0 = Date.now();
const log = (line: string) =>
  console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const workDir = mkdtempSync(join(tmpdir(), "edge-saga-bench-"));
const persistDir = join(workDir, "state");
// Also on Ctrl-C (the stack's and the bare relay's signal handlers exit the process).
process.once("exit", () => rmSync(workDir, { recursive: true, force: true }));
let stack: LocalStack | undefined;
let exitCode = 1;
const load = loadavg()[0]?.toFixed(2) ?? "?";

try {
  log(`mode: ${quick ? "quick" : "full"}; load average ${load}; state in ${workDir}`);
  if (shardsOnly) {
    const section = await shardSection();
    writeResults({ shards: section }, shardRows(section.runs));
    exitCode = section.failed.length === 0 ? 0 : 1;
  } else if (apiOnly) {
    const { started, client } = await benchStack();
    stack = started;
    const apiWait = await apiWaitSection(client);
    writeResults({ apiWait }, apiWaitRows(apiWait));
    exitCode = apiWait ? 0 : 1;
  } else {
    const { started, client } = await benchStack();
    stack = started;

    // 1. Accept latency: ours and the direct-publish baseline interleaved, per concurrency
    //    (each run's sagas finish before the next run starts).
    const accept: AcceptResult[] = [];
    const direct: AcceptResult[] = [];
    for (const [c, count] of sagasOnly ? [] : (PLAN.accept as [number, number][])) {
      const pair = await acceptLatencyVsDirect(client, c, count);
      accept.push(pair.ours);
      direct.push(pair.direct);
      await waitForSagas(
        client,
        [...pair.ours.orderIds, ...pair.direct.orderIds],
        60_000 + count * 150,
      );
      log(
        `c=${c}: accept p50 ${pair.ours.latency.p50} / p99 ${pair.ours.latency.p99} ms (direct publish ${pair.direct.latency.p50} / ${pair.direct.latency.p99} ms)`,
      );
    }

    // 1b. Saga latency with c sagas in flight (closed loop), with every service's D1 calls
    //     counted over each run, then the same at c=8 with every relay playing the polling
    //     baseline (pokes ignored, drain every POLL_INTERVAL_MS).
    const saga: Record<number, SagaResult> = {};
    const completion: Record<number, number> = {};
    const sagaIds: Record<number, string[]> = {};
    const d1Windows: [number, number, D1Window][] = [];
    const oursCost: Record<number, OursRun> = {};
    for (const [c, count] of PLAN.saga as [number, number][]) {
      // workerd CPU over the run and 1 s after it (the saga's trailing receipts), issue 25.
      const stackPid = (stack as LocalStack).pid;
      const { result: measured, window } = await countingD1(client, () =>
        measuringCpu(stackPid, async () => {
          const r = await sagaClosedLoop(client, c, count);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return r;
        }),
      );
      const run = measured.result;
      oursCost[c] = {
        sagas: run.times.length,
        cpuMs: measured.cpuMs,
        polls: run.polls,
        saga: sagaLatency(run.times, run.unfinished),
        d1: undefined,
      };
      const s = sagaLatency(run.times, run.unfinished);
      saga[c] = s;
      sagaIds[c] = run.ids;
      completion[c] = Math.round((run.ids.length / run.seconds) * 10) / 10;
      d1Windows.push([c, run.times.length, window]);
      log(
        `saga c=${c}: -> CONFIRMED p50 ${s.toConfirmed.p50} / p99 ${s.toConfirmed.p99} ms, -> points p50 ${s.toPointsAwarded.p50} ms; ${completion[c]} sagas/s`,
      );
    }
    // What one history poll costs the order service: subtracted from its count per poll sent.
    const finishedId = Object.values(sagaIds).flat()[0];
    const historyCost = finishedId ? await historyCallCost(client, finishedId) : 0;
    const d1: Record<number, D1PerSaga> = {};
    for (const [c, sagas, window] of d1Windows) {
      const perSaga = d1PerSaga(window, sagas, historyCost);
      d1[c] = perSaga;
      const ours = oursCost[c];
      if (ours) {
        ours.d1 = perSaga;
        // Invocations and rows per service, where the services' counts route reports them.
        ours.perSaga = oursUsagePerSaga(window.before, window.after, sagas, window.historyPolls);
      }
      log(
        `D1 calls per saga, c=${c}: ${perSaga.total} (${D1_SERVICES.map((x) => `${x} ${perSaga.services[x]}`).join(", ")}; ${perSaga.historyPolls} history polls x ${historyCost} subtracted from order)`,
      );
      log(
        `queue messages per saga, c=${c}: ${perSaga.queueMessages.events} events, ${perSaga.queueMessages.receipts} receipts`,
      );
    }
    // What one outcome poll costs the stack in CPU: taken out of ours' CPU per saga (issue 25).
    const oursPollCpuMs = finishedId
      ? await cpuPerCall(stack.pid, 20, () => benchApi(client).getHistory(finishedId))
      : null;
    // 1b'. The outcome without polling: clients waiting with Prefer: wait (issue 25).
    const apiWait = sagasOnly ? null : await apiWaitSection(client);
    // 1c. The three write paths of the order service side by side (issue 15).
    const writePaths = sagasOnly
      ? []
      : await compareWritePaths(
          client,
          PLAN.writePaths as { accept: [number, number][]; saga: [number, number] },
          historyCost,
          log,
        );
    if (sagasOnly) {
      const cost = costSection(oursCost, oursPollCpuMs, []);
      const rows = [
        ...sagaLatencyRows(saga),
        ...sagaRateRows(completion, sagaIds),
        ...d1Rows(d1),
        ...cost.rows,
      ];
      writeResults(
        { saga, completionPerSecond: completion, d1CallsPerSaga: d1, sagaCost: cost.columns },
        rows,
        [],
        cost.markdown,
      );
    } else {
      await setPollingRelay(client, POLL_INTERVAL_MS);
      const pollingRun = await sagaClosedLoop(client, 8, PLAN.pollingOrders);
      const polling = sagaLatency(pollingRun.times, pollingRun.unfinished);
      await setPollingRelay(client, null);
      log(
        `polling relay (${POLL_INTERVAL_MS} ms), c=8: -> CONFIRMED p50 ${polling.toConfirmed.p50} / p99 ${polling.toConfirmed.p99} ms`,
      );

      // 2. Sustained throughput: an open-loop rate just below the best saga completion rate
      //    measured so far, with the outbox backlog sampled.
      const capacity = Math.max(...Object.values(completion), 1);
      const rate = Math.max(1, Math.floor(capacity * 0.8));
      log(
        `throughput: ${rate} orders/s for ${PLAN.throughputSeconds} s (80% of the best saga completion rate, ${capacity}/s)`,
      );
      const tp = await throughput(client, rate, PLAN.throughputSeconds);
      log(
        `throughput: ${tp.acceptedPerSecond} accepted/s, ${tp.completedPerSecond} sagas completed/s, max backlog ${tp.maxBacklog}`,
      );

      // 2b. Retention of a backlog of each kind in the view's database (issue 26).
      const retention = await measureRetention(
        client,
        persistDir,
        workDir,
        PLAN.retentionRows,
      ).catch((error: Error) => {
        log(`retention failed: ${error.message}`);
        return null;
      });
      if (retention)
        log(
          `retention: ${retention.rowsPerSecond} rows/s (${retention.ordersPerSecond} orders/s' worth) over ${retention.runs} runs`,
        );

      // 3. Relay drain of a pre-filled outbox.
      const drainsRaw: DrainResult[] = [];
      for (const [i, backlog] of PLAN.backlogs.entries()) {
        // The last run's consumer work is left to die with the stack: nothing is measured after it.
        const last = i === PLAN.backlogs.length - 1;
        const run = await drainRun(client, persistDir, workDir, backlog, 180_000, !last);
        drainsRaw.push(run);
        log(
          `drain ${backlog}: relay done in ${run.wallMs} ms (client view), consumer in ${run.consumedMs} ms`,
        );
      }
      await stack.stop();
      stack = undefined;

      // 4. From the services' tables: hop breakdown, drain rates, query plan.
      const tables = await readTables(persistDir, {
        service: "inventory",
        statements: [DRAIN_STATS_SQL, `EXPLAIN QUERY PLAN ${RELAY_SELECT}`],
      });
      const inventory = tables.find((t) => t.service === "inventory");
      const drains = withServerRates(drainsRaw, inventory?.extra[0] ?? []);
      const queryPlan = (inventory?.extra[1] ?? []).map((row) => String(row.detail));
      const hopRows = hops(tables, new Set(sagaIds[8] ?? []));
      log(`relay query plan: ${queryPlan.join(" | ")}`);

      // 5. The bare relay, alone on the machine.
      let bare: BareRelayResult | null = null;
      try {
        bare = await bareRelay(workDir, PLAN.backlogs, BARE_PAUSE_MS);
        log(
          `bare relay: ${bare.drains.map((d) => `${d.backlog}: ${d.eventsPerSecond}/s`).join(", ")}`,
        );
      } catch (error) {
        log(`bare relay failed: ${(error as Error).message}`);
      }

      // 5b. Consumer cost: the kit's inbox consumer vs the same handler without dedupe, alone on the machine.
      let consumerCost: ConsumerCostResult | null = null;
      try {
        consumerCost = await measureConsumerCost({ quick, log });
      } catch (error) {
        log(`consumer cost failed: ${(error as Error).message}`);
      }

      // 5b'. What a saga costs: the bare saga and the Workflow, each alone on the machine.
      const baselineRuns: BaselineRun[] = [];
      for (const name of ["bare", "workflow"] as const)
        try {
          baselineRuns.push(
            ...(await measureBaseline(
              name,
              PLAN.costBaselines as [number, number][],
              workDir,
              log,
            )),
          );
        } catch (error) {
          log(`${name} saga failed: ${(error as Error).message}`);
        }
      const cost = costSection(oursCost, oursPollCpuMs, baselineRuns);

      // 5c. The same sagas on 1, 2 and 4 shards per service, each its own stack.
      const shardScaling = await shardSection();

      // 6. Results.
      const rows: Row[] = [];
      for (const a of accept)
        rows.push(
          latencyRow("accept", `POST /orders -> 202, concurrency ${a.concurrency}`, a.latency),
        );
      rows.push(...sagaLatencyRows(saga));
      rows.push(...writePathRows(writePaths, PLAN.writePaths.saga[0] as number));
      for (const d of direct) {
        const ours = accept.find((a) => a.concurrency === d.concurrency);
        const overhead = ratio(ours?.latency.p50, d.latency.p50);
        rows.push(
          latencyRow(
            "baselines",
            `direct publish (no outbox): POST /orders -> 202, concurrency ${d.concurrency}`,
            d.latency,
          ),
          {
            section: "baselines",
            figure: `outbox overhead on accept p50 (ours / direct), concurrency ${d.concurrency} (p99: ${ratio(ours?.latency.p99, d.latency.p99) ?? "n/a"}x)`,
            value: overhead,
            unit: "x",
            target: "<= 1.25",
            met: overhead !== null && overhead <= 1.25,
          },
        );
      }
      const ours8 = saga[8];
      const gain = ratio(polling.toConfirmed.p50, ours8?.toConfirmed.p50);
      rows.push(
        latencyRow(
          "baselines",
          `polling relay (every ${POLL_INTERVAL_MS} ms): accepted -> CONFIRMED, concurrency 8`,
          polling.toConfirmed,
        ),
        {
          section: "baselines",
          figure: `latency gain (polling / ours, p50 accepted -> CONFIRMED, c=8; p99: ${ratio(polling.toConfirmed.p99, ours8?.toConfirmed.p99) ?? "n/a"}x)`,
          value: gain,
          unit: "x",
          target: ">= 10",
          met: gain !== null && gain >= 10,
        },
      );
      for (const h of hopRows)
        rows.push(latencyRow("saga hops (c=8)", `${h.service}: ${h.step}`, h.latency));
      rows.push(...sagaRateRows(completion, sagaIds), ...d1Rows(d1));
      rows.push(
        {
          section: "throughput",
          figure: `accepted (open loop, offered ${tp.targetRate}/s for ${tp.durationSeconds} s)`,
          value: tp.acceptedPerSecond,
          unit: "orders/s",
          samples: tp.ordersAccepted,
        },
        {
          section: "throughput",
          figure: "sagas completed (first accept -> last points award)",
          value: tp.completedPerSecond,
          unit: "orders/s",
          samples: tp.ordersAccepted,
          target: "every saga completes",
          met: tp.allCompleted,
        },
        {
          section: "throughput",
          figure: "max outbox backlog (sum of services)",
          value: tp.maxBacklog,
          unit: "rows",
        },
        {
          section: "throughput",
          figure: "last saga completed after the load ended",
          value: tp.drainAfterLoadMs,
          unit: "ms",
        },
        latencyRow("throughput", "accept latency under load", tp.accept),
        latencyRow("throughput", "accepted -> CONFIRMED under load", tp.saga.toConfirmed),
      );
      const firstDrain = drains[0]?.usPerEvent ?? undefined;
      for (const d of drains) {
        const flat = ratio(d.usPerEvent ?? undefined, firstDrain);
        rows.push(
          {
            section: "relay drain",
            figure: `kit relay (${DRAIN_SUBSCRIBERS} subscriber queues), backlog ${d.backlog}${d.drained ? "" : " (NOT drained)"}`,
            value: d.eventsPerSecond,
            unit: "events/s",
            samples: d.backlog,
            target: ">= 10000",
            met: (d.eventsPerSecond ?? 0) >= 10_000,
          },
          {
            section: "relay drain",
            figure: `kit relay, per-event cost, backlog ${d.backlog} (x vs ${drains[0]?.backlog})`,
            value: d.usPerEvent === null ? null : `${d.usPerEvent} (${flat ?? "n/a"}x)`,
            unit: "µs/event",
            target: "flat (<= 1.25x)",
            met: flat !== null && flat <= 1.25,
          },
          {
            section: "relay drain",
            figure: `consumer caught up, backlog ${d.backlog}`,
            value: d.consumedPerSecond,
            unit: "events/s",
          },
        );
      }
      for (const b of bare?.drains ?? []) {
        const ours = drains.find((d) => d.backlog === b.backlog);
        // The kit sends each event to every subscriber; the bare relay to its one queue.
        const oursMessages =
          ours?.eventsPerSecond == null ? undefined : ours.eventsPerSecond * DRAIN_SUBSCRIBERS;
        rows.push({
          section: "relay drain",
          figure: `bare relay (1 queue), backlog ${b.backlog} (kit / bare: events ${ratio(ours?.eventsPerSecond ?? undefined, b.eventsPerSecond ?? undefined) ?? "n/a"}, messages ${ratio(oursMessages, b.eventsPerSecond ?? undefined) ?? "n/a"})`,
          value: b.eventsPerSecond,
          unit: "events/s",
          samples: b.backlog,
        });
      }
      const consumerModes = {
        inbox: "kit consumer, with inbox dedupe",
        plain: "without dedupe",
        "bare-group": "bare group-commit consumer (1 read + 1 D1 batch per 100 events, no inbox)",
      } as const;
      for (const r of consumerCost?.rows ?? [])
        rows.push({
          section: "consumer cost",
          figure: `${consumerModes[r.mode]}, inbox table ${r.inboxRows} rows (median of runs of ${r.mode === "bare-group" ? consumerCost?.bareEventsPerRun : consumerCost?.eventsPerRun} events)`,
          value: r.usPerEvent,
          unit: "µs/event",
          samples: r.samples.length,
        });
      for (const r of consumerCost?.kitOverBare ?? [])
        rows.push({
          section: "consumer cost",
          figure: `kit consumer / bare group consumer, events/s, inbox table ${r.inboxRows} rows (${r.kitEventsPerSecond} / ${r.bareEventsPerSecond}; median of rounds: ${pct(r.pairedFraction)}%)`,
          value: pct(r.fraction),
          unit: "%",
          target: ">= 25",
          met: r.fraction !== null && r.fraction >= 0.25,
        });
      for (const r of consumerCost?.ratios ?? [])
        rows.push({
          section: "consumer cost",
          figure: `dedupe overhead (with / without), inbox table ${r.inboxRows} rows (median of paired runs: ${r.pairedInboxOverPlain}x)`,
          value: r.inboxOverPlain,
          unit: "x",
        });
      rows.push(...cost.rows, ...apiWaitRows(apiWait));
      rows.push(...retentionRows(retention));
      rows.push(...shardRows(shardScaling.runs));
      rows.push({
        section: "relay drain",
        figure: "EXPLAIN QUERY PLAN of the relay's SELECT",
        value: queryPlan.join("; "),
        unit: "",
        target: "uses outbox_pending_idx",
        met: queryPlan.some((line) => line.includes("outbox_pending_idx")),
      });

      writeResults(
        {
          accept: accept.map(({ orderIds: _, ...a }) => a),
          baselines: {
            directPublishAccept: direct.map(({ orderIds: _, ...a }) => a),
            pollingRelay: { intervalMs: POLL_INTERVAL_MS, saga: polling },
          },
          saga,
          completionPerSecond: completion,
          d1CallsPerSaga: d1,
          writePaths,
          sagaHops: hopRows,
          throughput: tp,
          consumerCost,
          sagaCost: { columns: cost.columns, oursPollCpuMs, baselines: baselineRuns },
          apiWait,
          shards: shardScaling,
          retention,
          drain: {
            kit: drains,
            bare: bare?.drains ?? null,
            queryPlan,
            bareQueryPlan: bare?.queryPlan ?? null,
          },
        },
        rows,
        tp.backlog,
        `${writePathTable(writePaths, PLAN.writePaths.saga[0] as number)}\n${cost.markdown}`,
      );
    }
    exitCode = 0;
  }
} catch (error) {
  console.error(error);
} finally {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);

/** The stack every section but "shards" runs on, set up for the bench's orders. */
async function benchStack() {
  // The baselines' switches exist only with BENCH_BASELINES_ENABLED (never deployed).
  const started = await startLocalStack({
    persistDir,
    shards,
    killOnSignal: true,
    serviceVars: { BENCH_BASELINES_ENABLED: "true" },
    // Printing every request's and batch's line through wrangler's process costs this
    // machine CPU that production (Workers Logs) does not pay; LOG_LEVEL=info npm run bench keeps them.
    logLevel: process.env.LOG_LEVEL || "warn",
  });
  // Stopped by the run's `finally` even if the setup fails.
  stack = started;
  const client = { baseUrl: started.baseUrl, adminToken: started.adminToken };
  log(`stack up at ${started.baseUrl}`);
  await setup(client);
  return { started, client };
}

/** Clients waiting for each outcome with `Prefer: wait` (api-wait.ts); null if it failed. */
async function apiWaitSection(client: {
  baseUrl: string;
  adminToken: string;
}): Promise<ApiWaitResult | null> {
  const [c, sagas] = PLAN.apiWait as [number, number];
  try {
    const r = await apiWaitRun(client, (stack as LocalStack).pid, c, sagas);
    log(apiWaitLine(r));
    return r;
  } catch (error) {
    log(`outcome without polling failed: ${(error as Error).message}`);
    return null;
  }
}

/** The "shards" section: 1, 2 and 4 shards per service, same sagas, one stack after another. */
async function shardSection() {
  const section = await measureShards({
    plan: PLAN.shardScaling,
    workDir,
    logLevel: process.env.LOG_LEVEL || "warn",
    log,
  });
  const headline = orderBusiestRatio(section.runs);
  log(
    `shards: order calls per saga on the busiest shard, 4 shards / 1 shard: ${headline ?? "n/a"}x (target <= ${ORDER_BUSIEST_TARGET})`,
  );
  return { ...section, orderBusiestRatio: headline, target: ORDER_BUSIEST_TARGET };
}

/** Writes latest.json (every figure and `results`), latest.md (the table) and latest.svg. */
function writeResults(
  results: Record<string, unknown>,
  rows: Row[],
  backlog: BacklogSample[] = [],
  extraMarkdown = "",
) {
  const meta = {
    date: new Date().toISOString(),
    mode: `${quick ? "quick" : "full"}${sagasOnly ? ", sagas only" : ""}`,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
    "load average (1 min) at start / end": `${load} / ${loadavg()[0]?.toFixed(2)}`,
    "run time": `${((Date.now() - t0) / 1000).toFixed(0)} s`,
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(
    join(values.out, "latest.json"),
    `${JSON.stringify({ meta, plan: PLAN, ...results, rows }, null, 2)}\n`,
  );
  const md = `${markdown("edge-saga benchmark", meta, rows)}${extraMarkdown ? `\n${extraMarkdown}` : ""}`;
  writeFileSync(join(values.out, "latest.md"), md);
  writeFileSync(
    join(values.out, "latest.svg"),
    svg(rows, backlog, `edge-saga benchmark (${meta.mode}, ${meta.date})`),
  );
  console.log(`\n${md}`);
  log(`results written to ${values.out}`);
}

function pct(fraction: number | null): number | null {
  return fraction === null || !Number.isFinite(fraction) ? null : round(fraction * 100, 1);
}

/** Saga latency rows; the target (issue 6) applies to 8 in flight. */
function sagaLatencyRows(saga: Record<number, SagaResult>): Row[] {
  return Object.entries(saga).flatMap(([key, s]) => {
    const c = Number(key);
    const target =
      c === 8
        ? {
            text: "p50 <= 60, p99 <= 250",
            met: s.toConfirmed.p50 <= 60 && s.toConfirmed.p99 <= 250,
          }
        : undefined;
    return [
      latencyRow("saga", `accepted -> CONFIRMED, ${c} sagas in flight`, s.toConfirmed, target),
      latencyRow("saga", `accepted -> points awarded, ${c} sagas in flight`, s.toPointsAwarded),
    ];
  });
}

/** Sagas completed per second through the public API (closed loop); issue 12's target at 32. */
function sagaRateRows(
  completion: Record<number, number>,
  sagaIds: Record<number, string[]>,
): Row[] {
  return Object.entries(sagaIds).map(([key, ids]) => {
    const c = Number(key);
    const value = completion[c] ?? null;
    const goal = 4 * SAGAS_PER_SECOND_BEFORE;
    return {
      section: "saga",
      figure: `sagas completed per second, ${c} sagas in flight`,
      value,
      unit: "orders/s",
      samples: ids.length,
      ...(c === 32
        ? {
            target: `>= ${goal} (4x the ~${SAGAS_PER_SECOND_BEFORE}/s before issue 12)`,
            met: value !== null && value >= goal,
          }
        : {}),
    };
  });
}

/**
 * This run's calls per saga over the services a baseline counted (the baselines predate the
 * payment service): what compares with the baseline's total. null if there is no baseline at
 * `c` or one of those services restarted during the run.
 */
function totalAsIn(r: D1PerSaga, baseline: BeforeIssue12 | null, c: number): number | null {
  const then = baseline?.d1CallsPerSaga[String(c)];
  if (!then) return null;
  const parts = D1_SERVICES.filter((s) => typeof then[s] === "number").map((s) => r.services[s]);
  if (parts.length === 0 || parts.some((p) => p === null)) return null;
  return round(
    parts.reduce((n: number, p) => n + (p as number), 0),
    2,
  );
}

/**
 * D1 calls per saga completed, in all (target: at most half of the figure measured before
 * issue 12 at the same concurrency, over the services it counted) and per service.
 */
function d1Rows(d1: Record<number, D1PerSaga>): Row[] {
  return Object.entries(d1).flatMap(([key, r]) => {
    const c = Number(key);
    const then = before?.d1CallsPerSaga[String(c)]?.total ?? null;
    const thenComparable = totalAsIn(r, before, c);
    const withoutReceipts = beforeReceipts?.d1CallsPerSaga[String(c)]?.total ?? null;
    const withoutReceiptsComparable = totalAsIn(r, beforeReceipts, c);
    const { events, receipts } = r.queueMessages;
    const receiptCost: Row[] = [
      {
        section: "What delivery receipts cost",
        figure: `D1 calls per saga, ${c} in flight, vs issue 12 without receipts (${withoutReceipts ?? "n/a"}; the services it counted)`,
        value:
          withoutReceiptsComparable === null || withoutReceipts === null
            ? null
            : round(withoutReceiptsComparable - withoutReceipts, 2),
        unit: "calls",
        samples: r.sagas,
      },
      {
        section: "What delivery receipts cost",
        figure: `queue messages per saga, ${c} in flight: receipts (events: ${events ?? "n/a"})`,
        value: receipts,
        unit: "messages",
        samples: r.sagas,
      },
    ];
    const target =
      then === null
        ? {}
        : {
            target: `<= ${round(then / 2, 2)} (half of ${then} before issue 12), over its services: ${thenComparable ?? "n/a"}`,
            met: thenComparable !== null && thenComparable <= then / 2,
          };
    return [
      {
        section: "D1 calls per saga",
        figure: `all services, ${c} sagas in flight`,
        value: r.total,
        unit: "calls",
        samples: r.sagas,
        ...target,
      },
      ...D1_SERVICES.map((service) => ({
        section: "D1 calls per saga",
        figure: `${service}, ${c} sagas in flight (${[
          then === null
            ? ""
            : `before issue 12: ${before?.d1CallsPerSaga[String(c)]?.[service] ?? "n/a"}`,
          service === "order"
            ? `${r.historyPolls} bench polls x ${r.historyCallCost} calls taken out`
            : "",
        ]
          .filter(Boolean)
          .join("; ")})`.replace(" ()", ""),
        value: r.services[service],
        unit: "calls",
        samples: r.sagas,
      })),
      ...receiptCost,
    ];
  });
}
