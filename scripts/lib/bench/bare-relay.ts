import { round } from "./stats";
import { startBenchWorker } from "./worker-dev";

/**
 * The bare relay (bench/bare-relay): its own `wrangler dev` with its own D1 and queue, started
 * after the system's stack stopped so the two never share the CPU. Timed inside the Worker.
 */

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
  const worker = await startBenchWorker("bench/bare-relay/wrangler.toml", workDir, "bare-relay");
  const base = worker.base;
  try {
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
    await worker.stop();
  }
}
