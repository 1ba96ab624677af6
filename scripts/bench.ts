/**
 * `npm run bench [-- --quick] [--out <dir>]`
 *
 * Starts the whole system locally on a fresh state (own port, own temp state dir), runs the
 * workloads described in bench/README.md, and writes `latest.json`, `latest.md` and
 * `latest.svg` to the results dir (default bench/results). Every process it starts is stopped
 * before it exits, and the state dir is removed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BareRelayResult, bareRelay } from "./lib/bench/bare-relay";
import { type ConsumerCostResult, measureConsumerCost } from "./lib/bench/consumer-cost";
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
import { ratio } from "./lib/bench/stats";
import {
  type AcceptResult,
  acceptLatencyVsDirect,
  type SagaResult,
  sagaClosedLoop,
  sagaLatency,
  setPollingRelay,
  setup,
  throughput,
  waitForSagas,
} from "./lib/bench/workloads";
import { type LocalStack, startLocalStack } from "./lib/local-stack";
import { ROOT } from "./lib/wrangler";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: join(ROOT, "bench", "results") },
  },
});
const quick = values.quick;
const PLAN = quick
  ? {
      // A smoke run under 2 minutes: concurrency 32 only in the full run.
      accept: [
        [1, 40],
        [8, 160],
      ],
      saga: [
        [1, 15],
        [8, 64],
      ],
      throughputSeconds: 8,
      backlogs: [1_000, 10_000],
      pollingOrders: 24,
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
      backlogs: [1_000, 10_000, 50_000],
      pollingOrders: 64,
    };
/** The polling-relay baseline's interval: generous to it (a cron-driven relay polls every 60 s). */
const POLL_INTERVAL_MS = 1_000;
/** Between sendBatch calls of the bare relay: the local queue broker's timer quota (platform.md). */
const BARE_PAUSE_MS = 1;

const t0 = Date.now();
const log = (line: string) =>
  console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
const workDir = mkdtempSync(join(tmpdir(), "edge-saga-bench-"));
const persistDir = join(workDir, "state");
// Also on Ctrl-C (the stack's and the bare relay's signal handlers exit the process).
process.once("exit", () => rmSync(workDir, { recursive: true, force: true }));
let stack: LocalStack | undefined;
let exitCode = 1;

try {
  const load = loadavg()[0]?.toFixed(2) ?? "?";
  log(`mode: ${quick ? "quick" : "full"}; load average ${load}; state in ${workDir}`);
  // The baselines' switches exist only with BENCH_BASELINES_ENABLED (never deployed).
  stack = await startLocalStack({
    persistDir,
    killOnSignal: true,
    serviceVars: { BENCH_BASELINES_ENABLED: "true" },
  });
  const client = { baseUrl: stack.baseUrl, adminToken: stack.adminToken };
  log(`stack up at ${stack.baseUrl}`);
  await setup(client);

  // 1. Accept latency: ours and the direct-publish baseline interleaved, per concurrency
  //    (each run's sagas finish before the next run starts).
  const accept: AcceptResult[] = [];
  const direct: AcceptResult[] = [];
  for (const [c, count] of PLAN.accept as [number, number][]) {
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

  // 1b. Saga latency with c sagas in flight (closed loop), then the same at c=8 with every
  //     relay playing the polling baseline (pokes ignored, drain every POLL_INTERVAL_MS).
  const saga: Record<number, SagaResult> = {};
  const completion: Record<number, number> = {};
  const sagaIds: Record<number, string[]> = {};
  for (const [c, count] of PLAN.saga as [number, number][]) {
    const run = await sagaClosedLoop(client, c, count);
    const s = sagaLatency(run.times, run.unfinished);
    saga[c] = s;
    sagaIds[c] = run.ids;
    completion[c] = Math.round((run.ids.length / run.seconds) * 10) / 10;
    log(
      `saga c=${c}: -> CONFIRMED p50 ${s.toConfirmed.p50} / p99 ${s.toConfirmed.p99} ms, -> points p50 ${s.toPointsAwarded.p50} ms; ${completion[c]} sagas/s`,
    );
  }
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
    log(`bare relay: ${bare.drains.map((d) => `${d.backlog}: ${d.eventsPerSecond}/s`).join(", ")}`);
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

  // 6. Results.
  const rows: Row[] = [];
  for (const a of accept)
    rows.push(latencyRow("accept", `POST /orders -> 202, concurrency ${a.concurrency}`, a.latency));
  for (const [c, s] of Object.entries(saga).map(([c, s]) => [Number(c), s] as const)) {
    const target =
      c === 8
        ? {
            text: "p50 <= 60, p99 <= 250",
            met: s.toConfirmed.p50 <= 60 && s.toConfirmed.p99 <= 250,
          }
        : undefined;
    rows.push(
      latencyRow("saga", `accepted -> CONFIRMED, ${c} sagas in flight`, s.toConfirmed, target),
      latencyRow("saga", `accepted -> points awarded, ${c} sagas in flight`, s.toPointsAwarded),
    );
  }
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
  for (const [c, ids] of Object.entries(sagaIds))
    rows.push({
      section: "saga",
      figure: `sagas completed per second, ${c} sagas in flight`,
      value: completion[Number(c)] ?? null,
      unit: "orders/s",
      samples: ids.length,
    });
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
  for (const r of consumerCost?.rows ?? [])
    rows.push({
      section: "consumer cost",
      figure: `${r.mode === "inbox" ? "with inbox dedupe" : "without dedupe"}, inbox table ${r.inboxRows} rows (median of runs of ${consumerCost?.eventsPerRun} events)`,
      value: r.usPerEvent,
      unit: "µs/event",
      samples: r.samples.length,
    });
  for (const r of consumerCost?.ratios ?? [])
    rows.push({
      section: "consumer cost",
      figure: `dedupe overhead (with / without), inbox table ${r.inboxRows} rows (median of paired runs: ${r.pairedInboxOverPlain}x)`,
      value: r.inboxOverPlain,
      unit: "x",
    });
  rows.push({
    section: "relay drain",
    figure: "EXPLAIN QUERY PLAN of the relay's SELECT",
    value: queryPlan.join("; "),
    unit: "",
    target: "uses outbox_pending_idx",
    met: queryPlan.some((line) => line.includes("outbox_pending_idx")),
  });

  const meta = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`,
    "load average (1 min) at start / end": `${load} / ${loadavg()[0]?.toFixed(2)}`,
    "run time": `${((Date.now() - t0) / 1000).toFixed(0)} s`,
  };
  const results = {
    meta,
    plan: PLAN,
    accept: accept.map(({ orderIds: _, ...a }) => a),
    baselines: {
      directPublishAccept: direct.map(({ orderIds: _, ...a }) => a),
      pollingRelay: { intervalMs: POLL_INTERVAL_MS, saga: polling },
    },
    saga,
    completionPerSecond: completion,
    sagaHops: hopRows,
    throughput: tp,
    consumerCost,
    drain: {
      kit: drains,
      bare: bare?.drains ?? null,
      queryPlan,
      bareQueryPlan: bare?.queryPlan ?? null,
    },
    rows,
  };
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  const md = markdown("edge-saga benchmark", meta, rows);
  writeFileSync(join(values.out, "latest.md"), md);
  writeFileSync(
    join(values.out, "latest.svg"),
    svg(rows, tp.backlog, `edge-saga benchmark (${meta.mode}, ${meta.date})`),
  );
  console.log(`\n${md}`);
  log(`results written to ${values.out}`);
  exitCode = 0;
} catch (error) {
  console.error(error);
} finally {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
}
process.exit(exitCode);
