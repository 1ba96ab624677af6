import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** `tsx scripts/demo.ts --url <base>` as a user runs it; its exit code and everything it printed. */
function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  // Not a terminal: the demo must print no colour codes on its own.
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, "scripts/demo.ts", ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The demo's arguments for this run's stack, with its admin token unless another is given. */
const againstStack = (token = inject("adminToken")) => [
  "--url",
  inject("baseUrl"),
  "--token",
  token,
];

describe("npm run demo", () => {
  it("walks the saga's five endings against the stack and exits 0", async () => {
    const { code, output } = await runDemo(againstStack());
    expect(code, output).toBe(0);
    for (const word of [
      "CONFIRMED",
      "REJECTED as expected (OUT_OF_STOCK)",
      "REJECTED as expected (INSUFFICIENT_POINTS), payment VOIDED",
      "REJECTED as expected (PAYMENT_DECLINED), payment DECLINED",
      "CANCELLED as expected, payment REFUNDED",
      "(compensation)",
      "All 5 scenarios ended as expected.",
    ]) {
      expect(output, output).toContain(word);
    }
    // Each journey comes from the order's own history, as it happened.
    for (const change of [
      "PointsReserved",
      "StockReserved",
      "PointsAwarded",
      "PaymentAuthorized",
      "PaymentDeclined",
    ]) {
      expect(output).toContain(change);
    }
    // The payment lane: what GET /orders/{id}/payment showed change, look after look.
    for (const step of ["[payment]", "card authorized $", "captured $", "declined", "refunded $"]) {
      expect(output, output).toContain(step);
    }
    expect(output).toMatch(/CONFIRMED as expected, payment CAPTURED/);
    expect(output).not.toContain("\x1b[");
  }, 120_000);

  it("runs again with fresh customers and products", async () => {
    const { code, output } = await runDemo(againstStack());
    expect(code, output).toBe(0);
  }, 120_000);

  it("fails loudly (exit 2) with a wrong admin token", async () => {
    const { code, output } = await runDemo(againstStack("not-the-token"));
    expect(code, output).toBe(2);
    expect(output).toMatch(/admin token/);
  }, 60_000);
});
