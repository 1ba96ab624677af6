/**
 * What the local stack's supervision asks of the OS about a process: its /proc/<pid>/stat fields
 * (Linux), whether it still runs, and whether a process group still has a running member.
 */
import { readdirSync, readFileSync } from "node:fs";

/**
 * The fields of /proc/<pid>/stat after the command name (index 0 is the state, 1 the parent
 * pid, 2 the process group, 19 the start time); undefined where there is no /proc (not Linux)
 * or no such process.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * True while process `pid` runs (ours to signal or not). A zombie counts as dead: `kill(pid, 0)`
 * succeeds on one, and in a container whose init does not reap orphans a `kill -9`'d process
 * stays a zombie for good. Where there is no /proc, `kill(pid, 0)` alone decides.
 * @example if (!isAlive(record.starter.pid)) endTheStackItLeft();
 */
export function isAlive(
  pid: number,
  stat: (pid: number) => string[] | undefined = procStat,
): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return stat(pid)?.[0] !== "Z";
}

/** Pids of the processes in process group `pgid`, zombies included; [] where there is no /proc. */
export function groupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => Number(procStat(pid)?.[2]) === pgid);
}

/**
 * True while process group `pgid` has a running member. Zombies left in it do not count (an init
 * that does not reap keeps them); where there is no /proc, any member does.
 */
export function groupRuns(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false; // ESRCH: no process left in the group
  }
  if (procStat(process.pid) === undefined) return true;
  return groupMembers(pgid).some((pid) => isAlive(pid));
}
