#!/usr/bin/env node
// Kills the local stacks' process groups once the process that started them is gone, however
// it went: a `kill -9` runs none of its exit hooks. Started detached (own session, so Ctrl-C
// and a closing terminal do not reach it) by scripts/lib/local-stack.ts, with a pipe on stdin
// that only the starter holds: the end of stdin means the starter died. A change of parent
// (reparented to init or a subreaper) is checked too, in case the pipe leaked somewhere.
// Plain Node, no tsx: it must start in milliseconds and hold no loader.
//
// stdin, one line each: "+<pgid> [<dir>]" watch a process group (and remove the stack's temp
// dir once it is ended), "-<pgid>" forget it (stopped cleanly).

import { readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";

const GRACE_MS = 3_000;
/** pgid -> the stack's temp dir, or "" */
const groups = new Map();
const parent = process.ppid;
let buffer = "";
let ending = false;

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  const lines = buffer.split("\n");
  buffer = lines.pop() ?? "";
  for (const line of lines) {
    const space = line.indexOf(" ");
    const pgid = Number(space < 0 ? line.slice(1) : line.slice(1, space));
    const dir = space < 0 ? "" : line.slice(space + 1);
    if (!Number.isInteger(pgid) || pgid <= 1) continue;
    if (line[0] === "+") groups.set(pgid, dir);
    else if (line[0] === "-") groups.delete(pgid);
  }
});
process.stdin.on("end", () => void killAll());
process.stdin.on("error", () => void killAll());
setInterval(() => {
  if (parentGone()) void killAll();
}, 1_000);

/** Node's process.ppid is read once at start: ask /proc (Linux), else whether the pid lives. */
function parentGone() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent;
  } catch {
    try {
      process.kill(parent, 0);
      return false;
    } catch (error) {
      return error.code !== "EPERM";
    }
  }
}

/** Signals a process group; false when there is none. */
function signal(pgid, name) {
  try {
    process.kill(-pgid, name);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

async function killAll() {
  if (ending) return;
  ending = true;
  // SIGTERM first: wrangler stops workerd itself and the state is flushed; SIGKILL after a grace.
  for (const pgid of groups.keys()) signal(pgid, "SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  while (Date.now() < deadline && [...groups.keys()].some((pgid) => signal(pgid, 0))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pgid of groups.keys()) signal(pgid, "SIGKILL");
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Only a temp dir local-stack made (its log and config copies), never a persist dir given to it.
  for (const dir of new Set(groups.values())) {
    if (basename(dir).startsWith("edge-saga-stack-")) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
