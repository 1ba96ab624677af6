/** Resident memory of a process, from /proc/<pid>/status (Linux). */
import { readFileSync } from "node:fs";

export interface Rss {
  /** VmRSS: all resident pages, bytes. */
  rss: number;
  /** RssAnon: heap and stacks (what a leak grows), bytes. */
  anon: number;
  /** RssFile: mapped files (the binary, SQLite's shared memory), bytes. */
  file: number;
}

/** Undefined when the process is gone or there is no /proc. */
export function rssOf(pid: number): Rss | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    1024 * Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") };
}
