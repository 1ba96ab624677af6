import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  endLeftoverStack,
  freePort,
  isAlive,
  PID_FILE,
  procStat,
} from "../../scripts/lib/local-stack";
import { poll } from "./support/wait";

/**
 * `npm run dev` leaves no wrangler or workerd behind when it dies, `kill -9` included (issue
 * 13): its exit hooks never run then, so a detached watchdog ends the stack's process group,
 * and a later start ends a stack whose starter is gone (the pid file in the state dir).
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function killGroup(pgid: number) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Pids of the processes in process group `pgid` (Linux /proc). */
function groupMembers(pgid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => Number(procStat(pid)?.[2]) === pgid);
}

/** Alive and not a zombie waiting for whoever adopted it to reap it. */
function running(pid: number): boolean {
  return isAlive(pid) && procStat(pid)?.[0] !== "Z";
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

interface PidRecord {
  starter: { pid: number };
  stack: { pid: number };
}

describe.runIf(process.platform === "linux")("no orphans", () => {
  it("kill -9 of the dev process: the watchdog ends wrangler and workerd within seconds", async () => {
    const state = mkdtempSync(join(tmpdir(), "edge-saga-orphans-"));
    const stateDir = join(state, "state");
    cleanups.push(() => rmSync(state, { recursive: true, force: true }));
    const port = await freePort();
    // tsx runs dev.ts in a child node: that child starts the stack and is the one killed.
    const dev: ChildProcess = spawn(
      process.execPath,
      [TSX, "scripts/dev.ts", "--port", String(port), "--state", stateDir, "--no-seed"],
      {
        cwd: ROOT,
        detached: true,
        stdio: "ignore",
        env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || "warn" },
      },
    );
    cleanups.push(() => dev.pid && killGroup(dev.pid));

    const record = await poll(
      async () => {
        const text = (() => {
          try {
            return readFileSync(join(stateDir, PID_FILE), "utf8");
          } catch {
            return undefined;
          }
        })();
        if (!text) return undefined;
        const answer = await fetch(`http://127.0.0.1:${port}/products`).catch(() => undefined);
        return answer && answer.status < 500 ? (JSON.parse(text) as PidRecord) : undefined;
      },
      { what: "npm run dev serving", timeoutMs: 150_000, intervalMs: 500 },
    );
    const stackGroup = record.stack.pid;
    cleanups.push(() => killGroup(stackGroup));
    const members = groupMembers(stackGroup);
    expect(members.map(commandOf).some((command) => command.includes("workerd"))).toBe(true);
    expect(commandOf(record.starter.pid)).toContain("scripts/dev.ts");

    process.kill(record.starter.pid, "SIGKILL");
    const killedAt = Date.now();
    // Nothing else may hold the state dir either (a migration run, tsx waiting for its child).
    const left = () => [
      ...new Set([
        ...members.filter(running),
        ...readdirSync("/proc")
          .filter((name) => /^\d+$/.test(name))
          .map(Number)
          .filter((pid) => running(pid) && commandOf(pid).includes(stateDir)),
      ]),
    ];
    await poll(async () => (left().length > 0 ? undefined : true), {
      what: "wrangler, workerd and dev.ts to be gone",
      timeoutMs: 10_000,
      intervalMs: 100,
      last: () => left().map(commandOf).join("\n"),
    });
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 180_000);

  it("a start ends a stack left on its state by a dead starter, and refuses a live one", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "edge-saga-leftover-"));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    // A stand-in for wrangler dev: a process group of its own.
    const stack = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    const pid = stack.pid as number;
    cleanups.push(() => killGroup(pid));
    const workDir = mkdtempSync(join(tmpdir(), "edge-saga-stack-"));
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
    const startedAt = (pid: number) => procStat(pid)?.[19] ?? null;
    const write = (starter: number, starterStart: string | null) =>
      writeFileSync(
        join(stateDir, PID_FILE),
        JSON.stringify({
          starter: { pid: starter, startedAt: starterStart },
          stack: { pid, startedAt: startedAt(pid) },
          workDir,
        }),
      );

    write(process.pid, startedAt(process.pid));
    await expect(endLeftoverStack(stateDir)).rejects.toThrow(/already runs/);
    expect(running(pid)).toBe(true);

    // Our pid with another start time: a starter that died and whose pid was given again.
    write(process.pid, "1");
    expect(await endLeftoverStack(stateDir)).toMatch(/ended a leftover wrangler dev/);
    await poll(async () => (running(pid) ? undefined : true), { what: "the leftover gone" });
    expect(existsSync(workDir)).toBe(false);
    expect(await endLeftoverStack(stateDir)).toBeUndefined();
  });
});
