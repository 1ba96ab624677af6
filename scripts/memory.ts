/**
 * `npm run memory [-- --sagas 3000] [--step 500] [--concurrency 8] [--idle 30] [--out <dir>]
 *  [--no-snapshots] [--log-level warn]`
 *
 * Where the local stack's memory goes: starts the whole system on a fresh state, runs `--sagas`
 * closed-loop sagas in steps of `--step` and after each step reads every workerd process's RSS
 * (/proc) and every isolate's V8 heap in use (workerd's inspector). Heap snapshots of each of
 * our Workers, the D1 databases and the queue broker are taken after the first step and at the
 * end, after `--idle` seconds without load; the report says per isolate what grew between them
 * (self size by constructor or type, and what retains it). Writes `memory.json`, `memory.md`
 * and the `.heapsnapshot` files (DevTools opens them) to `--out`. Every process it starts is
 * stopped before it exits. Long runs on a shared machine: `nice -n 10 npm run memory`.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sagaClosedLoop, setup } from "./lib/bench/workloads";
import { type LocalStack, startLocalStack } from "./lib/local-stack";
import {
  diffSummaries,
  type HeapSnapshot,
  type KindGrowth,
  type Retainer,
  retainersOf,
  summarize,
} from "./lib/memory/heap-summary";
import { type StackMemory, snapshotIsolates, stackMemory } from "./lib/memory/isolates";

const { values } = parseArgs({
  options: {
    sagas: { type: "string", default: "3000" },
    step: { type: "string", default: "500" },
    concurrency: { type: "string", default: "8" },
    idle: { type: "string", default: "30" },
    out: { type: "string" },
    "no-snapshots": { type: "boolean", default: false },
    "log-level": { type: "string", default: "warn" },
  },
});
const sagas = Number(values.sagas);
const step = Number(values.step);
const concurrency = Number(values.concurrency);
const idleSeconds = Number(values.idle);
const snapshots = !values["no-snapshots"];
const out = values.out ?? mkdtempSync(join(tmpdir(), "edge-saga-memory-"));
mkdirSync(out, { recursive: true });

const MB = 1024 * 1024;
const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
const log = (line: string) => console.log(`[memory] ${line}`);
/** The isolate's short name: `core:user:edge-saga-order` -> `order`. */
const short = (id: string) => id.replace(/^core:user:(edge-saga-)?/, "");

interface Sample extends StackMemory {
  sagas: number;
  label: string;
  /** Sagas of the step that did not finish within the loop's wait. */
  unfinished: number;
}

interface IsolateGrowth {
  isolate: string;
  heapBeforeMb: number;
  heapAfterMb: number;
  grew: KindGrowth[];
  /** What holds the three kinds that grew most. */
  retainers: Record<string, Retainer[]>;
}

function line(sample: Sample): string {
  const heaps = Object.entries(sample.heap)
    .filter(([, usage]) => usage.usedSize > 2 * MB)
    .map(([id, usage]) => `${short(id)} ${mb(usage.usedSize)}`)
    .join(", ");
  const processes = Object.values(sample.rss)
    .map((r) => `${mb(r.rss)} anon ${mb(r.anon)}`)
    .join(" + ");
  const unfinished = sample.unfinished ? `; ${sample.unfinished} unfinished` : "";
  return `${sample.label}: ${sample.sagas} sagas, workerd RSS ${mb(sample.rssTotal)} MB (${processes}); heaps MB: ${heaps}${unfinished}`;
}

/** Per isolate, what grew from the `before` snapshots to the `after` ones. */
function compare(before: Record<string, string>, after: Record<string, string>): IsolateGrowth[] {
  const growth: IsolateGrowth[] = [];
  for (const [isolate, file] of Object.entries(after)) {
    const beforeFile = before[isolate];
    if (!beforeFile) continue;
    const old = summarize(JSON.parse(readFileSync(beforeFile, "utf8")) as HeapSnapshot);
    const snapshot = JSON.parse(readFileSync(file, "utf8")) as HeapSnapshot;
    const now = summarize(snapshot);
    const grew = diffSummaries(old, now, 15);
    const retainers: Record<string, Retainer[]> = {};
    for (const kind of grew.slice(0, 3).filter((k) => k.grew > 256 * 1024))
      retainers[kind.kind] = retainersOf(snapshot, kind.kind, 5);
    growth.push({
      isolate,
      heapBeforeMb: mb(old.totalBytes),
      heapAfterMb: mb(now.totalBytes),
      grew,
      retainers,
    });
  }
  return growth.sort((a, b) => b.heapAfterMb - b.heapBeforeMb - (a.heapAfterMb - a.heapBeforeMb));
}

function markdown(samples: Sample[], growth: IsolateGrowth[]): string {
  const isolates = [...new Set(samples.flatMap((s) => Object.keys(s.heap)))].sort();
  const rows = samples.map(
    (s) =>
      `| ${s.label} | ${s.sagas} | ${mb(s.rssTotal)} | ${isolates.map((id) => (s.heap[id] ? mb(s.heap[id].usedSize) : "")).join(" | ")} |`,
  );
  const first = samples.find((s) => s.sagas >= step) ?? samples[0];
  const last = samples.at(-1);
  const ratio = first && last ? Math.round((last.rssTotal / first.rssTotal) * 100) / 100 : 0;
  const parts = [
    `# Local stack memory: ${sagas} sagas, concurrency ${concurrency}`,
    "",
    `workerd RSS after ${first?.sagas} sagas: ${mb(first?.rssTotal ?? 0)} MB; at the end: ${mb(last?.rssTotal ?? 0)} MB (${ratio}x).`,
    "",
    "Heap in use per isolate (MB, V8's count without a forced GC):",
    "",
    `| when | sagas | workerd RSS MB | ${isolates.map(short).join(" | ")} |`,
    `|---|---|---|${isolates.map(() => "---").join("|")}|`,
    ...rows,
  ];
  for (const g of growth) {
    parts.push(
      "",
      `## ${short(g.isolate)}: ${g.heapBeforeMb} -> ${g.heapAfterMb} MB (snapshot self sizes)`,
      "",
      "| kind | count before | count after | MB before | MB after | grew KB |",
      "|---|---|---|---|---|---|",
      ...g.grew
        .slice(0, 10)
        .map(
          (k) =>
            `| ${k.kind.replace(/\|/g, "\\|")} | ${k.countBefore} | ${k.countAfter} | ${mb(k.bytesBefore)} | ${mb(k.bytesAfter)} | ${Math.round(k.grew / 1024)} |`,
        ),
    );
    for (const [kind, held] of Object.entries(g.retainers))
      parts.push("", `held: ${kind}: ${held.map((r) => `${r.via} (${r.count})`).join("; ")}`);
  }
  return `${parts.join("\n")}\n`;
}

let stack: LocalStack | undefined;
let exitCode = 1;
try {
  stack = await startLocalStack({
    killOnSignal: true,
    logLevel: values["log-level"],
    // A shared machine under load can take minutes to boot eight Workers.
    startupTimeoutMs: 180_000,
  });
  const client = { baseUrl: stack.baseUrl, adminToken: stack.adminToken };
  const pid = stack.pid;
  log(`stack up at ${stack.baseUrl} (wrangler dev ${pid}); output in ${out}`);
  await setup(client);
  const samples: Sample[] = [];
  const sample = async (label: string, done: number, unfinished = 0) => {
    const s: Sample = { label, sagas: done, unfinished, ...(await stackMemory(pid)) };
    samples.push(s);
    log(line(s));
  };
  await sample("start", 0);
  let before: Record<string, string> = {};
  for (let done = 0; done < sagas; ) {
    const count = Math.min(step, sagas - done);
    const run = await sagaClosedLoop(client, concurrency, count);
    done += count;
    await sample(`step (${Math.round(count / run.seconds)}/s)`, done, run.unfinished);
    if (snapshots && done === Math.min(step, sagas)) {
      before = await snapshotIsolates(pid, out, "first-step", (id, e) =>
        log(`no snapshot of ${id}: ${e.message}`),
      );
      await sample("after snapshots", done);
    }
  }
  if (idleSeconds > 0) {
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    await sample(`idle ${idleSeconds} s`, sagas);
  }
  let growth: IsolateGrowth[] = [];
  if (snapshots) {
    const after = await snapshotIsolates(pid, out, "end", (id, e) =>
      log(`no snapshot of ${id}: ${e.message}`),
    );
    await sample("after snapshots", sagas);
    growth = compare(before, after);
  }
  writeFileSync(join(out, "memory.json"), `${JSON.stringify({ samples, growth }, null, 2)}\n`);
  const report = markdown(samples, growth);
  writeFileSync(join(out, "memory.md"), report);
  console.log(`\n${report}`);
  exitCode = 0;
} catch (error) {
  console.error((error as Error).stack ?? error);
} finally {
  await stack?.stop();
}
process.exit(exitCode);
