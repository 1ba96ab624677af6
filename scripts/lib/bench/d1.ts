import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../wrangler";

const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * `wrangler d1 execute --local --persist-to <dir>` against a bench's state, async so several
 * can run side by side. Works while the stack runs (SQLite locks the file per write). Returns
 * the rows of every statement.
 */
export function d1Execute(
  options: { database: string; config: string; persistDir: string },
  what: { command: string } | { file: string },
): Promise<Record<string, unknown>[][]> {
  const args = [
    WRANGLER,
    ...["d1", "execute", options.database, "--local", "--json", "--yes"],
    ...["--persist-to", options.persistDir, "-c", options.config],
    ...("command" in what ? ["--command", what.command] : ["--file", what.file]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killChild = () => child.kill("SIGKILL");
    process.once("exit", killChild);
    const timer = setTimeout(killChild, 180_000);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      process.removeListener("exit", killChild);
      const text = Buffer.concat(out).toString("utf8");
      if (code !== 0) {
        reject(
          new Error(
            `wrangler d1 execute ${options.database} failed (${code}): ${text.slice(-1000)}${Buffer.concat(err).toString("utf8").slice(-1000)}`,
          ),
        );
        return;
      }
      try {
        const parsed = JSON.parse(text.slice(text.indexOf("["))) as {
          results?: Record<string, unknown>[];
        }[];
        resolve(parsed.map((statement) => statement.results ?? []));
      } catch (error) {
        reject(
          new Error(
            `unreadable output of wrangler d1 execute: ${(error as Error).message}: ${text.slice(0, 500)}`,
          ),
        );
      }
    });
  });
}
