import { join } from "node:path";
import { type LocalStack, startLocalStack } from "../local-stack";
import {
  countingD1,
  D1_SERVICES,
  type D1Window,
  historyCallCost,
  readD1Calls,
  settledD1Calls,
} from "./d1-calls";
import {
  idleRates,
  SHARD_COUNTS,
  type ShardRun,
  shardFigures,
  spreadKeys,
  systemCap,
} from "./shard-scaling";
import { round } from "./stats";
import {
  historyPolls,
  type OrderMix,
  placeOrder,
  sagaClosedLoop,
  setup,
  waitForSagas,
} from "./workloads";

export interface ShardPlan {
  /** Sagas per shard count, closed loop: a multiple of 48 gives every customer and SKU as many. */
  sagas: number;
  concurrency: number;
}

/** 48 customers and 8 SKUs, even over 1, 2 and 4 shards (spreadKeys). */
const CUSTOMERS = spreadKeys("shard-bench-customer", 48);
const SKUS = spreadKeys("shard-bench-sku", 8);

/** How long each stack is watched idle, for its shards' idle calls per second. */
const IDLE_MS = 10_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs per shard count when a Worker restarts during one (its window has no figures). */
const MAX_ATTEMPTS = 3;

/** The services whose Worker restarted between the window's two reads. */
const restartedIn = (window: D1Window) =>
  D1_SERVICES.filter((s) => window.before[s].isolate !== window.after[s].isolate);

/** Polls the bench sent per shard of `shards`, from their counts per slot. */
const pollsByShard = (bySlot: readonly number[], shards: number) => {
  const out = new Array<number>(shards).fill(0);
  bySlot.forEach((n, slot) => {
    out[slot % shards] = (out[slot % shards] ?? 0) + n;
  });
  return out;
};

/**
 * The same closed-loop saga workload (same orders, same order) on a fresh local stack of each
 * shard count in turn, one stack at a time; each stack is stopped before the next starts. A
 * shard count whose stack or run fails is in `failed`, the others are measured still.
 */
export async function measureShards(options: {
  plan: ShardPlan;
  workDir: string;
  logLevel: string;
  log: (line: string) => void;
  counts?: readonly number[];
}): Promise<{ runs: ShardRun[]; failed: { shards: number; error: string }[] }> {
  const { plan, workDir, log } = options;
  const runs: ShardRun[] = [];
  const failed: { shards: number; error: string }[] = [];
  for (const shards of options.counts ?? SHARD_COUNTS) {
    let stack: LocalStack | undefined;
    try {
      stack = await startLocalStack({
        persistDir: join(workDir, `shards-${shards}`),
        shards,
        killOnSignal: true,
        serviceVars: { BENCH_BASELINES_ENABLED: "true" },
        logLevel: options.logLevel,
      });
      const client = { baseUrl: stack.baseUrl, adminToken: stack.adminToken };
      const mix: OrderMix = { customers: CUSTOMERS, skus: SKUS, placed: { n: 0 } };
      await setup(client, mix);
      log(`shards ${shards}: stack up at ${stack.baseUrl}`);
      // One saga first, finished before anything is counted: its order is the one the history
      // poll's cost is measured on, with nothing else running (a busy stack's own calls would
      // pass for the poll's).
      const probe = await placeOrder(client, undefined, {
        customers: [CUSTOMERS[0] as string],
        skus: [SKUS[0] as string],
        placed: { n: 0 },
      });
      await waitForSagas(client, [probe.id], 60_000);
      // What each shard does with no saga running: taken out of the run's calls (shard-scaling.ts).
      const idleBefore = await settledD1Calls(client);
      const idleStarted = Date.now();
      await sleep(IDLE_MS);
      const idleAfter = await readD1Calls(client);
      const idle = idleRates(
        { before: idleBefore, after: idleAfter, historyPolls: 0 },
        shards,
        (Date.now() - idleStarted) / 1000,
      );
      const cost = await historyCallCost(
        client,
        probe.id,
        10,
        idle.order.reduce((a: number, b) => a + (b ?? 0), 0),
      );
      let attempt = 1;
      let started = Date.now();
      let slotsBefore = [...historyPolls.bySlot];
      let { result: run, window } = await countingD1(client, () =>
        sagaClosedLoop(client, plan.concurrency, plan.sagas, undefined, mix),
      );
      // wrangler dev reloads a Worker when a source file changes (a shared checkout): its
      // counts start again and the window says nothing. Measured again, at most twice more.
      for (
        let restarted = restartedIn(window);
        restarted.length > 0 && attempt < MAX_ATTEMPTS;
        restarted = restartedIn(window)
      ) {
        attempt++;
        log(`shards ${shards}: ${restarted.join(", ")} restarted during the run; again`);
        slotsBefore = [...historyPolls.bySlot];
        started = Date.now();
        ({ result: run, window } = await countingD1(client, () =>
          sagaClosedLoop(client, plan.concurrency, plan.sagas, undefined, mix),
        ));
      }
      const seconds = (Date.now() - started) / 1000;
      const polls = historyPolls.bySlot.map((n, slot) => n - (slotsBefore[slot] ?? 0));
      const services = shardFigures(
        window,
        run.times.length,
        shards,
        pollsByShard(polls, shards),
        cost,
        idle,
        seconds,
      );
      const result: ShardRun = {
        shards,
        concurrency: plan.concurrency,
        sagas: run.times.length,
        unfinished: run.unfinished,
        sagasPerSecond: round(run.ids.length / run.seconds, 1),
        historyCallCost: cost,
        historyPolls: window.historyPolls,
        attempts: attempt,
        services,
        cap: systemCap(services),
      };
      runs.push(result);
      log(
        `shards ${shards}: ${result.sagasPerSecond} sagas/s; busiest shard's D1 calls per saga: ${Object.entries(
          services,
        )
          .map(([s, f]) => `${s} ${f.busiestPerSaga} (${f.byShard.join("/")})`)
          .join(", ")}`,
      );
    } catch (error) {
      // One shard count failing leaves the others' figures (and says so in the results).
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ shards, error: message });
      log(`shards ${shards} failed: ${message}`);
    } finally {
      await stack?.stop();
    }
  }
  return { runs, failed };
}
