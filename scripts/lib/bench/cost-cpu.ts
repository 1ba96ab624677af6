import { readdirSync, readFileSync } from "node:fs";
import { procStat } from "../processes";

/**
 * workerd CPU over a run (issue 25): the user + system time the kernel charged to every workerd
 * process under a `wrangler dev` (read from /proc/<pid>/stat), so the figure holds every
 * Worker, Durable Object, queue broker and D1 of the stack, and nothing of wrangler's own
 * proxy or the bench client. Linux only: elsewhere the figures are null.
 */

/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux the bench runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of one process's stat fields (procStat: index 0 is field 3, the state), in ms. */
export function cpuMsOfStat(fields: readonly string[]): number {
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** The descendants of `root` whose command is `name`, given each pid's parent and command. */
export function descendantsNamed(
  root: number,
  name: string,
  processes: ReadonlyMap<number, { ppid: number; comm: string }>,
): number[] {
  const found: number[] = [];
  const open = [root];
  for (let parent = open.pop(); parent !== undefined; parent = open.pop())
    for (const [pid, p] of processes)
      if (p.ppid === parent) {
        open.push(pid);
        if (p.comm === name) found.push(pid);
      }
  return found;
}

function processTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  let names: string[] = [];
  try {
    names = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const stat = procStat(pid);
    if (!stat) continue;
    let comm = "";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    table.set(pid, { ppid: Number(stat[1]), comm });
  }
  return table;
}

/** CPU ms so far of the workerd processes under `wranglerPid`; null where there is no /proc or none runs. */
export function workerdCpuMs(wranglerPid: number): number | null {
  const pids = descendantsNamed(wranglerPid, "workerd", processTable());
  if (pids.length === 0) return null;
  let ms = 0;
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat) ms += cpuMsOfStat(stat);
  }
  return ms;
}

/**
 * `work`'s workerd CPU: read before and after. Null if a read failed or the total went down
 * (a workerd restarted and its time was lost).
 */
export async function measuringCpu<T>(
  wranglerPid: number,
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: number | null }> {
  const before = workerdCpuMs(wranglerPid);
  const result = await work();
  const after = workerdCpuMs(wranglerPid);
  const cpuMs = before === null || after === null || after < before ? null : after - before;
  return { result, cpuMs };
}

/**
 * CPU ms one call costs the stack: `n` calls one after another, the CPU of the whole loop / n
 * (the bench's outcome polls, taken out of the saga's CPU).
 */
export async function cpuPerCall(
  wranglerPid: number,
  n: number,
  call: () => Promise<unknown>,
): Promise<number | null> {
  const { cpuMs } = await measuringCpu(wranglerPid, async () => {
    for (let i = 0; i < n; i++) await call();
  });
  return cpuMs === null ? null : cpuMs / n;
}
