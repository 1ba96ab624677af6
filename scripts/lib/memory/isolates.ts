/**
 * Memory of a running local stack, per workerd process (RSS) and per V8 isolate (heap in use,
 * heap snapshots), through workerd's inspector.
 */
import { join } from "node:path";
import {
  type HeapUsage,
  InspectorSession,
  type Isolate,
  inspectorAddress,
  listIsolates,
  takeHeapSnapshot,
  workerdPids,
} from "./inspector";
import { type Rss, rssOf } from "./rss";

/**
 * The isolates worth watching: our Workers (`core:user:*`, Durable Objects included: they run
 * in their Worker's isolate), the local D1 databases and the queue broker. The rest (cache,
 * assets, the entry) are miniflare's plumbing, a few hundred KB each.
 */
export const WATCHED = /^(core:user:|d1:db:|queues:queue$)/;

export interface StackMemory {
  /** RSS of each workerd process of the stack, by pid. */
  rss: Record<number, Rss>;
  /** Sum of `rss` (every workerd process), bytes. */
  rssTotal: number;
  /** V8 heap in use per watched isolate (without a forced GC: it includes garbage not yet collected). */
  heap: Record<string, HeapUsage>;
}

/** The watched isolates of the stack led by `stackPid`, found again on every call (a reload changes them). */
export async function watchedIsolates(stackPid: number): Promise<Isolate[]> {
  const isolates: Isolate[] = [];
  for (const pid of workerdPids(stackPid)) {
    const address = await inspectorAddress(pid);
    if (address) isolates.push(...(await listIsolates(address)).filter((i) => WATCHED.test(i.id)));
  }
  return isolates;
}

export async function stackMemory(stackPid: number): Promise<StackMemory> {
  const rss: Record<number, Rss> = {};
  for (const pid of workerdPids(stackPid)) {
    const of = rssOf(pid);
    if (of) rss[pid] = of;
  }
  const heap: Record<string, HeapUsage> = {};
  for (const isolate of await watchedIsolates(stackPid)) {
    const usage = await withSession(isolate, (session) =>
      session.call<HeapUsage>("Runtime.getHeapUsage", {}, 10_000),
    ).catch(() => undefined);
    if (usage) heap[isolate.id] = { usedSize: usage.usedSize, totalSize: usage.totalSize };
  }
  return { rss, rssTotal: Object.values(rss).reduce((n, r) => n + r.rss, 0), heap };
}

/**
 * A heap snapshot of each watched isolate into `dir` (`<label>-<isolate>.heapsnapshot`); returns
 * the files by isolate. An isolate whose inspector does not answer is skipped, not fatal.
 */
export async function snapshotIsolates(
  stackPid: number,
  dir: string,
  label: string,
  onError: (isolate: string, error: Error) => void = () => {},
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const isolate of await watchedIsolates(stackPid)) {
    const file = join(dir, `${label}-${isolate.id.replace(/[^\w.-]+/g, "_")}.heapsnapshot`);
    try {
      await withSession(isolate, (session) => takeHeapSnapshot(session, file));
      files[isolate.id] = file;
    } catch (error) {
      onError(isolate.id, error as Error);
    }
  }
  return files;
}

/**
 * Runs `use` on a session with the isolate, closed after. One more try after a moment if the
 * connection is dropped (seen now and then on a Worker wrangler's own inspector proxy watches).
 */
async function withSession<T>(
  isolate: Isolate,
  use: (session: InspectorSession) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let session: InspectorSession | undefined;
    try {
      session = await InspectorSession.open(isolate.webSocketDebuggerUrl);
      return await use(session);
    } catch (error) {
      if (attempt >= 2) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      session?.close();
    }
  }
}
