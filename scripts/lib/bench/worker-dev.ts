import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../local-stack";
import { ROOT } from "../wrangler";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A `wrangler dev` of one bench Worker (bench/<name>/wrangler.toml) on free ports, its state and
 * log in `workDir`, up once `GET /` answers. `stop()` ends its process group (SIGTERM, then
 * SIGKILL); so do the bench's exit and Ctrl-C.
 */
export async function startBenchWorker(config: string, workDir: string, name: string) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const log = openSync(join(workDir, `${name}.log`), "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      ...["dev", "-c", config],
      ...["--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort)],
      ...["--persist-to", join(workDir, `${name}-state`)],
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  closeSync(log);
  const pid = child.pid as number;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const killNow = () => kill("SIGKILL");
  process.once("exit", killNow);
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const stop = async () => {
    kill("SIGTERM");
    const deadline = Date.now() + 5_000;
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline)
      await sleep(50);
    killNow();
    process.removeListener("exit", killNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${name}: wrangler dev exited early (${join(workDir, `${name}.log`)})`);
    }
    const up = await fetch(base, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start within 60 s`);
    }
    await sleep(250);
  }
  return { base, pid, stop };
}
