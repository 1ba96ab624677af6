import { execFileSync, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { groupMembers, groupRuns, isAlive, procStat } from "../lib/processes";

const ends: (() => void)[] = [];
afterEach(() => {
  for (const end of ends.splice(0)) end();
});

/**
 * A zombie: `sh` starts a short `sleep` in the background and becomes a long `sleep`, which never
 * waits for it. The child ends after the exec, so `sh` cannot have reaped it. Returns the zombie's
 * pid and the parent's (its process group too, detached).
 */
async function zombie(): Promise<{ pid: number; parent: number }> {
  const parent = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 60"], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  ends.push(() => process.kill(-(parent.pid as number), "SIGKILL"));
  const line = await new Promise<string>((resolve) =>
    parent.stdout.once("data", (chunk) => resolve(String(chunk))),
  );
  const pid = Number(line.trim());
  await expect.poll(() => procStat(pid)?.[0], { timeout: 10_000 }).toBe("Z");
  return { pid, parent: parent.pid as number };
}

// Spawning is slow on a busy machine: 20 s a test.
describe.runIf(process.platform === "linux")("isAlive", { timeout: 20_000 }, () => {
  it("is true for a running process and false for one that exited and was reaped", () => {
    expect(isAlive(process.pid)).toBe(true);
    const gone = Number(execFileSync("sh", ["-c", "echo $$"], { encoding: "utf8" }));
    expect(isAlive(gone)).toBe(false);
  });

  it("counts a zombie as dead, though kill(pid, 0) still succeeds on it", async () => {
    const { pid } = await zombie();
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(isAlive(pid)).toBe(false);
  });

  it("where there is no /proc, lets kill(pid, 0) decide alone", async () => {
    const { pid } = await zombie();
    const noProc = () => undefined;
    expect(isAlive(process.pid, noProc)).toBe(true);
    expect(isAlive(pid, noProc)).toBe(true);
  });
});

describe.runIf(process.platform === "linux")("groupRuns", { timeout: 20_000 }, () => {
  it("is true while a member runs, false once only zombies (or none) are left", async () => {
    const { pid, parent } = await zombie();
    expect(groupMembers(parent).sort()).toEqual([parent, pid].sort());
    expect(groupRuns(parent)).toBe(true);
    process.kill(parent, "SIGKILL");
    await expect.poll(() => groupRuns(parent), { timeout: 5_000 }).toBe(false);
  });
});
