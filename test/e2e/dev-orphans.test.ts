import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { endLeftoverStack, freePort, PID_FILE } from "../../scripts/lib/local-stack";
import { groupMembers, isAlive, procStat } from "../../scripts/lib/processes";
import { poll } from "./support/poll";

/**
 * `npm run dev` leaves no wrangler or workerd behind when it dies, `kill -9` included (issue
 * 13): its exit hooks never run then, so a detached watchdog ends the stack's process group,
 * and a later start ends a stack whose starter is gone (the pid file in the state dir).
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

const cleanups: (() => void)[] = [];
afterEach(() => {
  // Last in, first out: a stack is killed before the state it writes to is removed.
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function killGroup(pgid: number) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
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

/**
 * The dev stack's pid record once its gateway answers on `port`. `replacing`: the record of a
 * stack before it on the same state, still in the file until the new one writes its own.
 */
async function serving(
  stateDir: string,
  port: number,
  last?: () => string,
  replacing?: PidRecord,
): Promise<PidRecord> {
  return poll(
    async () => {
      const text = (() => {
        try {
          return readFileSync(join(stateDir, PID_FILE), "utf8");
        } catch {
          return undefined;
        }
      })();
      if (!text) return undefined;
      const record = JSON.parse(text) as PidRecord;
      if (replacing && record.starter.pid === replacing.starter.pid) return undefined;
      const answer = await fetch(`http://127.0.0.1:${port}/products`).catch(() => undefined);
      return answer && answer.status < 500 ? record : undefined;
    },
    // Generous: a start applies every migration first, slow on a busy 2-core machine.
    { what: "npm run dev serving", timeoutMs: 300_000, intervalMs: 500, last },
  );
}

/** The pid of host process `pid` inside its own PID namespace (the last of /proc's NSpid). */
function nsPidOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^NSpid:(.*)$/m)?.[1];
    return Number(line?.trim().split(/\s+/).at(-1)) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether this machine lets us make a PID namespace (root or CAP_SYS_ADMIN, util-linux). */
function canUnshare(): boolean {
  return spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;
}

/** Every process below `pid` (children, their children...), from /proc's parent pids. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    const parent = Number(procStat(Number(name))?.[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const below: number[] = [];
  for (let queue = [...(children.get(pid) ?? [])]; queue.length > 0; ) {
    const next = queue.shift() as number;
    below.push(next);
    queue = [...queue, ...(children.get(next) ?? [])];
  }
  return below;
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

    const record = await serving(stateDir, port);
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
        ...members.filter((pid) => isAlive(pid)),
        ...readdirSync("/proc")
          .filter((name) => /^\d+$/.test(name))
          .map(Number)
          .filter((pid) => isAlive(pid) && commandOf(pid).includes(stateDir)),
      ]),
    ];
    await poll(async () => (left().length > 0 ? undefined : true), {
      what: "wrangler, workerd and dev.ts to be gone",
      timeoutMs: 10_000,
      intervalMs: 100,
      last: () => left().map(commandOf).join("\n"),
    });
    expect(Date.now() - killedAt).toBeLessThan(10_000);
  }, 360_000);

  it.runIf(canUnshare())(
    "kill -9 of every process of npm run dev where init does not reap: the next start comes up on the same state",
    async () => {
      const state = mkdtempSync(join(tmpdir(), "edge-saga-zombie-"));
      const stateDir = join(state, "state");
      cleanups.push(() => rmSync(state, { recursive: true, force: true }));
      const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || "warn" };
      const dev = [process.execPath, "--import", "tsx", "scripts/dev.ts", "--state", stateDir];
      const port = await freePort();
      // A container whose init never reaps: a PID namespace whose pid 1 is `sleep` (sh exec'd into
      // it). Every orphan of the namespace is its child, so a killed process stays a zombie.
      const container = spawn(
        "unshare",
        [
          "--pid",
          "--fork",
          "--mount-proc",
          "--kill-child",
          "sh",
          "-c",
          `${dev.join(" ")} --no-seed --port ${port} >/dev/null 2>&1 & exec sleep 600`,
        ],
        { cwd: ROOT, detached: true, stdio: "ignore", env },
      );
      cleanups.push(() => killGroup(container.pid as number));
      const first = await serving(stateDir, port);
      const init = await poll(async () => descendants(container.pid as number)[0], {
        what: "the namespace's init",
      });
      // The record holds the namespace's pids; the host sees each under another one.
      const hostPid = (nsPid: number) => descendants(init).find((pid) => nsPidOf(pid) === nsPid);
      const starter = hostPid(first.starter.pid) as number;
      expect(commandOf(starter)).toContain("scripts/dev.ts");

      // Every process of the stack at once, the watchdog too: nothing is left to clean up after it.
      const stack = descendants(init);
      expect(stack.map(commandOf).some((command) => command.includes("stack-watchdog"))).toBe(true);
      expect(stack.map(commandOf).some((command) => command.includes("workerd"))).toBe(true);
      for (const pid of stack) process.kill(pid, "SIGKILL");
      await poll(async () => (stack.some((pid) => isAlive(pid)) ? undefined : true), {
        what: "every process of the stack dead",
        last: () =>
          stack
            .filter((pid) => isAlive(pid))
            .map(commandOf)
            .join("\n"),
      });
      // What made the next start refuse: the starter and wrangler are zombies, and kill(pid, 0)
      // succeeds on a zombie.
      expect(procStat(starter)?.[0]).toBe("Z");
      expect(procStat(hostPid(first.stack.pid) as number)?.[0]).toBe("Z");
      expect(() => process.kill(starter, 0)).not.toThrow();

      // `npm run dev` again, in the same container, on the same state.
      const againPort = await freePort();
      const again = spawn(
        "nsenter",
        [
          "-t",
          String(init),
          "--pid",
          "--mount",
          `--wd=${ROOT}`,
          "--",
          ...dev,
          "--port",
          String(againPort),
        ],
        { cwd: ROOT, detached: true, stdio: ["ignore", "ignore", "pipe"], env },
      );
      let refusal = "";
      again.stderr.on("data", (chunk) => {
        refusal += chunk;
      });
      cleanups.push(() => killGroup(again.pid as number));
      // It comes up (its own record, its gateway answering), and was not refused.
      const second = await serving(stateDir, againPort, () => refusal, first);
      expect(second.stack.pid).not.toBe(first.stack.pid);
      expect(refusal).not.toMatch(/already runs/);
    },
    // Two starts, each applying every migration first.
    700_000,
  );

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
    expect(isAlive(pid)).toBe(true);

    // Our pid with another start time: a starter that died and whose pid was given again.
    write(process.pid, "1");
    expect(await endLeftoverStack(stateDir)).toMatch(/ended a leftover wrangler dev/);
    await poll(async () => (isAlive(pid) ? undefined : true), { what: "the leftover gone" });
    expect(existsSync(workDir)).toBe(false);
    expect(await endLeftoverStack(stateDir)).toBeUndefined();
  });
});
