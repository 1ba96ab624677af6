import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../local-stack";
import { ROOT } from "../wrangler";
import { round } from "./stats";

/**
 * The bare relay (bench/bare-relay): its own `wrangler dev` with its own D1 and queue, started
 * after the system's stack stopped so the two never share the CPU. Timed inside the Worker.
 */

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface BareDrain {
  backlog: number;
  drained: boolean;
  ms: number;
  eventsPerSecond: number | null;
  usPerEvent: number | null;
}

export interface BareRelayResult {
  drains: BareDrain[];
  queryPlan: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function post(base: string, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`bare relay ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function bareRelay(
  workDir: string,
  backlogs: readonly number[],
  pauseMs: number,
): Promise<BareRelayResult> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const log = openSync(join(workDir, "bare-relay.log"), "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      ...["dev", "-c", "bench/bare-relay/wrangler.toml"],
      ...["--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort)],
      ...["--persist-to", join(workDir, "bare-state")],
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  const pid = child.pid;
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (pid) process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => kill("SIGKILL");
  process.once("exit", killNow);
  // Ctrl-C or a SIGTERM to the bench: take the detached group down, then exit as the signal would.
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error("bare relay: wrangler dev exited early");
      const up = await fetch(base, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error("bare relay did not start within 60 s");
      await sleep(250);
    }
    const drains: BareDrain[] = [];
    // Warmup (not counted): the first drain pays for compiling the Worker and opening D1.
    await post(base, "/setup");
    await post(base, "/seed?n=500");
    await post(base, `/drain?pauseMs=${pauseMs}&maxPages=10`);
    for (const backlog of backlogs) {
      await post(base, "/setup");
      await post(base, `/seed?n=${backlog}`);
      let ms = 0;
      let events = 0;
      for (let more = true; more; ) {
        const answer = await post(base, `/drain?pauseMs=${pauseMs}&maxPages=200`);
        ms += Number(answer.ms);
        events += Number(answer.events);
        more = answer.more === true;
      }
      drains.push({
        backlog,
        drained: events === backlog,
        ms,
        eventsPerSecond: ms > 0 ? round((events / ms) * 1000, 0) : null,
        usPerEvent: events > 0 ? round((ms / events) * 1000, 1) : null,
      });
      // Let the acknowledging consumer empty the queue before the next size.
      await sleep(Math.min(5_000, backlog / 10));
    }
    const explain = (await fetch(`${base}/explain`).then((r) => r.json())) as {
      plan: { detail: string }[];
    };
    return { drains, queryPlan: explain.plan.map((row) => row.detail) };
  } finally {
    kill("SIGTERM");
    const deadline = Date.now() + 5_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline)
      await sleep(50);
    killNow();
    process.removeListener("exit", killNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}
