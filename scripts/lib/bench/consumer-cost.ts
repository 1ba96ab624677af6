import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../local-stack";
import { ROOT } from "../wrangler";
import { ratio, round } from "./stats";

/**
 * Consumer cost (issue 6): the kit's inbox consumer (bench/consumer-cost, mode `inbox`) against
 * the same validation and handler without the inbox dedupe (mode `plain`), at several inbox
 * sizes, and (issue 12) against the ceiling: a bare group-committing consumer (mode
 * `bare-group`: one read and one D1 batch per batch of 100, by hand, no inbox, no kit). Its own `wrangler dev` on a free port and a temp state dir; timed inside the Worker.
 * Modes alternate (ABC CBA) within a size so drift and the machine's other load hit all alike;
 * each figure is the median of the runs. Runs repeat until the size's time budget is used
 * (at least `minPairs`, at most `maxPairs` pairs), so a busy machine gives fewer samples
 * rather than a longer bench.
 */

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const CONFIG = "bench/consumer-cost/wrangler.toml";

export type ConsumerMode = "inbox" | "plain" | "bare-group";

export interface ConsumerCostRow {
  inboxRows: number;
  mode: ConsumerMode;
  /** Median over the runs, µs per event. */
  usPerEvent: number;
  /** Every run's µs per event, in run order. */
  samples: number[];
}

export interface ConsumerCostResult {
  eventsPerRun: number;
  bareEventsPerRun: number;
  rows: ConsumerCostRow[];
  /**
   * Per inbox size: median inbox µs/event over median plain µs/event, and the median of the
   * ratios within each pair (back-to-back runs: less exposed to the machine's load drifting).
   */
  ratios: { inboxRows: number; inboxOverPlain: number | null; pairedInboxOverPlain: number }[];
  /**
   * Per inbox size: the kit consumer's events/s as a fraction of the bare group consumer's
   * (bare µs/event over kit µs/event, medians), and the median of the fractions within each
   * round of back-to-back runs.
   */
  kitOverBare: {
    inboxRows: number;
    kitEventsPerSecond: number;
    bareEventsPerSecond: number;
    fraction: number | null;
    pairedFraction: number;
  }[];
  /** Inbox median at each size over the inbox median at the first size (0 rows). */
  growth: { inboxRows: number; inboxOverEmpty: number | null }[];
  /** Wall time of the whole measurement, startup and shutdown included. */
  ms: number;
}

interface Plan {
  sizes: number[];
  eventsPerRun: number;
  /** The bare consumer is ~10-20x faster: longer runs, so its few ms stay measurable. */
  bareEventsPerRun: number;
  minPairs: number;
  maxPairs: number;
  budgetPerSizeMs: number;
}

const FULL: Plan = {
  sizes: [0, 10_000, 100_000],
  eventsPerRun: 100,
  bareEventsPerRun: 500,
  minPairs: 4,
  maxPairs: 40,
  budgetPerSizeMs: 18_000,
};
const QUICK: Plan = {
  sizes: [0, 10_000],
  eventsPerRun: 100,
  bareEventsPerRun: 500,
  minPairs: 3,
  maxPairs: 10,
  budgetPerSizeMs: 4_000,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-3_000);
  } catch {
    return "(no log)";
  }
}

/** Spawns wrangler in a process group of its own, output appended to `logFile`. */
function spawnWrangler(args: string[], logFile: string): ChildProcess {
  const log = openSync(logFile, "a");
  try {
    return spawn(process.execPath, [WRANGLER, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
      detached: true,
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function post(base: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`consumer cost ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function measureConsumerCost(options: {
  quick: boolean;
  log: (s: string) => void;
}): Promise<ConsumerCostResult> {
  const started = Date.now();
  const plan = options.quick ? QUICK : FULL;
  const workDir = mkdtempSync(join(tmpdir(), "edge-saga-consumer-cost-"));
  const logFile = join(workDir, "wrangler.log");
  const persistDir = join(workDir, "state");

  // Every process group we start, taken down on any way out (error, Ctrl-C, exit).
  const groups = new Set<ChildProcess>();
  const kill = (child: ChildProcess, signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killAllNow = () => {
    for (const child of groups) kill(child, "SIGKILL");
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killAllNow();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", killAllNow);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  /**
   * True while a live process of the group exists. Zombies do not count: a grandchild
   * reparented to init is reaped by init, whenever it gets to it.
   */
  const groupAlive = (child: ChildProcess) => {
    if (!child.pid) return false;
    try {
      for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let stat: string;
        try {
          stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        } catch {
          continue; // exited meanwhile
        }
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(pgrp) === child.pid && state !== "Z") return true;
      }
      return false;
    } catch {
      // No /proc: ask the kernel (zombies count there).
      try {
        process.kill(-child.pid, 0);
        return true;
      } catch {
        return false;
      }
    }
  };
  /**
   * SIGTERM to the group, SIGKILL to whatever is left after 5 s, then wait until no process
   * of it runs. (wrangler exits without reaping workerd and esbuild: they stay a moment as
   * zombies, reparented to init, which reaps them; they hold nothing.)
   */
  const stop = async (child: ChildProcess) => {
    kill(child, "SIGTERM");
    let deadline = Date.now() + 5_000;
    while (!exited(child) && Date.now() < deadline) await sleep(50);
    kill(child, "SIGKILL");
    deadline = Date.now() + 5_000;
    while (groupAlive(child) && Date.now() < deadline) await sleep(50);
    groups.delete(child);
  };

  try {
    // Migrations into the temp state dir, before the dev server opens the database.
    options.log("consumer cost: applying migrations");
    const migrate = spawnWrangler(
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir, "-c", CONFIG],
      logFile,
    );
    groups.add(migrate);
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => kill(migrate, "SIGKILL"), 120_000);
      migrate.once("error", reject);
      migrate.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    // Its esbuild and workerd may outlive it for a moment: wait for the whole group.
    await stop(migrate);
    if (code !== 0) throw new Error(`consumer cost: migrations failed (exit ${code})`);

    const port = await freePort();
    const inspectorPort = await freePort();
    const dev = spawnWrangler(
      [
        ...["dev", "-c", CONFIG],
        ...["--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort)],
        ...["--persist-to", persistDir],
        "--show-interactive-dev-session=false",
      ],
      logFile,
    );
    groups.add(dev);
    options.log(
      `consumer cost: wrangler dev pid ${dev.pid} (own process group), state in ${workDir}`,
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (exited(dev)) throw new Error("consumer cost: wrangler dev exited early");
        const up = await fetch(base, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (Date.now() > deadline) throw new Error("consumer cost: worker did not start in 60 s");
        await sleep(250);
      }
      options.log(`consumer cost: worker up after ${Math.round((Date.now() - started) / 1000)} s`);

      const runOnce = async (mode: ConsumerMode, events: number) => {
        const answer = await post(base, `/run?mode=${mode}&events=${events}`);
        return { usPerEvent: Number(answer.usPerEvent), inboxRows: Number(answer.inboxRows) };
      };
      // Warmup (not counted): compiling the Worker, opening D1, the first queries' plans.
      await runOnce("inbox", 20);
      await runOnce("plain", 20);
      await runOnce("bare-group", 100);
      await post(base, "/reset");

      const rows: ConsumerCostRow[] = [];
      const paired = new Map<number, number>();
      const pairedBare = new Map<number, number>();
      let filled = 0;
      for (const size of plan.sizes) {
        if (size > filled) {
          const answer = await post(base, `/fill?rows=${size - filled}`);
          filled = Number(answer.inboxRows);
          options.log(`consumer cost: inbox filled to ${filled} rows in ${answer.ms} ms`);
        }
        const samples: Record<ConsumerMode, number[]> = { inbox: [], plain: [], "bare-group": [] };
        const sizeStarted = Date.now();
        for (let pair = 0; pair < plan.maxPairs; pair++) {
          if (pair >= plan.minPairs && Date.now() - sizeStarted > plan.budgetPerSizeMs) break;
          // ABC CBA: plain-inbox-bare, bare-inbox-plain, ...
          const order: ConsumerMode[] =
            pair % 2 === 0 ? ["plain", "inbox", "bare-group"] : ["bare-group", "inbox", "plain"];
          for (const mode of order) {
            const run = await runOnce(
              mode,
              mode === "bare-group" ? plan.bareEventsPerRun : plan.eventsPerRun,
            );
            if (run.inboxRows !== filled)
              throw new Error(`consumer cost: expected ${filled} inbox rows, saw ${run.inboxRows}`);
            samples[mode].push(run.usPerEvent);
          }
        }
        paired.set(
          filled,
          round(median(samples.inbox.map((us, i) => us / (samples.plain[i] as number))), 2),
        );
        pairedBare.set(
          filled,
          round(median(samples.inbox.map((us, i) => (samples["bare-group"][i] as number) / us)), 3),
        );
        for (const mode of ["plain", "inbox", "bare-group"] as const) {
          rows.push({
            inboxRows: filled,
            mode,
            usPerEvent: round(median(samples[mode]), 1),
            samples: samples[mode],
          });
        }
        options.log(
          `consumer cost: ${filled} inbox rows: plain ${round(median(samples.plain), 0)} µs/event, ` +
            `inbox ${round(median(samples.inbox), 0)} µs/event, bare group ${round(median(samples["bare-group"]), 0)} µs/event ` +
            `(${samples.inbox.length} runs each of ${plan.eventsPerRun}, bare ${plan.bareEventsPerRun})`,
        );
      }
      const at = (size: number, mode: ConsumerMode) =>
        rows.find((row) => row.inboxRows === size && row.mode === mode)?.usPerEvent;
      const sizes = [...new Set(rows.map((row) => row.inboxRows))];
      const first = sizes[0] ?? 0;
      return {
        eventsPerRun: plan.eventsPerRun,
        bareEventsPerRun: plan.bareEventsPerRun,
        rows,
        ratios: sizes.map((size) => ({
          inboxRows: size,
          inboxOverPlain: ratio(at(size, "inbox"), at(size, "plain")),
          pairedInboxOverPlain: paired.get(size) ?? Number.NaN,
        })),
        kitOverBare: sizes.map((size) => {
          const kit = at(size, "inbox");
          const bare = at(size, "bare-group");
          const perSecond = (us: number | undefined) =>
            us === undefined || !(us > 0) ? Number.NaN : Math.round(1_000_000 / us);
          return {
            inboxRows: size,
            kitEventsPerSecond: perSecond(kit),
            bareEventsPerSecond: perSecond(bare),
            fraction: kit && bare ? round(bare / kit, 3) : null,
            pairedFraction: pairedBare.get(size) ?? Number.NaN,
          };
        }),
        growth: sizes.map((size) => ({
          inboxRows: size,
          inboxOverEmpty: ratio(at(size, "inbox"), at(first, "inbox")),
        })),
        ms: Date.now() - started,
      };
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- wrangler output (tail of ${logFile}) ---\n${logTail(logFile)}`,
      );
    }
  } finally {
    for (const child of [...groups]) await stop(child);
    process.removeListener("exit", killAllNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    rmSync(workDir, { recursive: true, force: true });
  }
}
