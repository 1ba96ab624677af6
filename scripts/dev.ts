/**
 * `npm run dev`: the whole system on this machine, ready to try.
 *
 * Applies every service's D1 migrations, starts the gateway, the four services (order,
 * inventory, rewards, payment), the view, operations and the card-processor sandbox in one
 * `wrangler dev` (output streamed here), seeds demo data, prints what to try. State lives in
 * `.dev-state/` and survives restarts. Ctrl-C stops everything; so does killing this process
 * (even `kill -9`: a watchdog ends the stack). Production's every-minute cron is played by
 * calling `/__scheduled` at start and every minute.
 *
 *   npm run dev                     gateway on http://localhost:8787
 *   npm run dev -- --port 9000      or PORT=9000 npm run dev
 *   npm run dev -- --fresh          wipe .dev-state/ first
 *   npm run dev -- --state DIR      keep the state in DIR instead of .dev-state/
 *   npm run dev -- --no-seed        start without demo data
 *   npm run dev -- --write-path P   publish OrderPlaced by outbox (default), cdc or self-read
 *   npm run dev -- --shards N       N D1 databases per stateful service (default 1)
 */

import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, styleText } from "node:util";
import { WRITE_PATHS, type WritePath, writePathOf } from "@edge-saga/contracts";
import { ApiClient, SCRIPT_TIMEOUTS } from "./lib/api-client";
import { endLeftoverStack, type LocalStack, startLocalStack } from "./lib/local-stack";
import { isAlive, procStat } from "./lib/processes";
import { SEED_CUSTOMER, type SeedReport, seed } from "./lib/seed";
import { MAX_SHARDS, parseShards } from "./lib/shards";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_STATE_DIR = join(ROOT, ".dev-state");
const DEFAULT_PORT = 8787;

const USAGE = `usage: npm run dev -- [--port N] [--fresh] [--no-seed] [--state DIR] [--write-path P] [--shards N]
  --port N    gateway port (default: $PORT, else ${DEFAULT_PORT})
  --write-path P  how the order service publishes OrderPlaced: ${WRITE_PATHS.join(", ")} (default outbox)
  --shards N  D1 databases per stateful service, 1 to ${MAX_SHARDS} (default 1); a state dir keeps
              the count it was made with (--fresh to change it)
  --fresh     delete the state dir (all local data) before starting
  --state DIR state dir (default: .dev-state/)
  --no-seed   do not add the demo products and points
  ADMIN_TOKEN sets the admin token (default: dev-admin-token)`;

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (format: Parameters<typeof styleText>[0]) => (text: string) =>
  color ? styleText(format, text) : text;
const bold = paint("bold");
const dim = paint("dim");
const green = paint("green");
const cyan = paint("cyan");

function say(text = "") {
  process.stdout.write(`${text}\n`);
}

function parsePort(value: string | undefined): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid port ${JSON.stringify(value)}\n${USAGE}`);
  }
  return port;
}

function parseWritePath(value: string | undefined): WritePath | undefined {
  try {
    return value === undefined ? undefined : writePathOf(value);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
}

function parseShardsOption(value: string | undefined): number {
  try {
    return parseShards(value);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      fresh: { type: "boolean", default: false },
      "no-seed": { type: "boolean", default: false },
      state: { type: "string" },
      "write-path": { type: "string" },
      shards: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    say(USAGE);
    return;
  }
  const port = parsePort(values.port ?? process.env.PORT ?? String(DEFAULT_PORT));
  const writePath = parseWritePath(values["write-path"]);
  const shards = parseShardsOption(values.shards);
  const stateDir = values.state ? resolve(values.state) : DEFAULT_STATE_DIR;
  // Before the port check: a stack orphaned on this state may be what holds the port.
  const leftover = await endLeftoverStack(stateDir);
  if (leftover) say(leftover);
  if (!(await portIsFree(port))) {
    throw new Error(
      `port ${port} is in use (another \`npm run dev\`?). Stop it, or pick another: npm run dev -- --port ${port + 1}`,
    );
  }
  if (values.fresh) {
    rmSync(stateDir, { recursive: true, force: true });
    say(bold(`--fresh: deleted ${stateDir}`));
  }

  let stack: LocalStack | undefined;
  let stopping = false;
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    if (stopping) {
      // One Ctrl-C can reach us twice (terminal + npm/tsx relaying it): only a later one forces.
      if (Date.now() - firstSignalAt < 1_000) return;
      say("\nstopping at once");
      process.exit(code); // the stack's exit hook kills the whole process group
    }
    stopping = true;
    firstSignalAt = Date.now();
    if (!stack) {
      // Still starting: exiting runs the stack's exit hooks, which kill what was started.
      say("\ninterrupted while starting");
      process.exit(code);
    }
    say(`\n${bold("stopping")} wrangler dev and workerd…`);
    stack.stop().then(
      () => {
        say(`stopped. State kept in ${stateDir}`);
        process.exit(code);
      },
      (error: unknown) => {
        say(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  // Output going nowhere any more (a closed pipe) must not crash us before the stack is stopped.
  process.stdout.on("error", () => {});
  watchLaunchers(() => onSignal("SIGTERM"));

  say(
    bold(
      `Applying D1 migrations and starting wrangler dev (state in ${stateDir}${shards > 1 ? `, ${shards} shards per service` : ""})…`,
    ),
  );
  stack = await startLocalStack({
    port,
    writePath,
    shards,
    persistDir: stateDir,
    echo: process.stdout,
    testScheduled: true,
    cron: true,
    killOnSignal: false,
    // As the e2e stacks: a first start migrates every service, slow on a busy 2-core machine
    // (a fresh-clone CI run's dev-orphans start gave up at 120 s while the lanes started).
    startupTimeoutMs: 180_000,
  });
  if (stopping) return; // a signal came in the very last moment: its handler stops the stack

  const url = `http://localhost:${port}`;
  const client = new ApiClient(stack.baseUrl, stack.adminToken, SCRIPT_TIMEOUTS);
  if (!values["no-seed"]) {
    let report: SeedReport;
    try {
      report = await seed(client);
    } catch (error) {
      say(`seeding failed: ${(error as Error).message}`);
      await stack.stop();
      process.exit(1);
    }
    say();
    say(bold("Seed"));
    for (const p of report.created) {
      say(
        `  added  ${p.sku.padEnd(18)} ${p.name} ($${(p.priceCents / 100).toFixed(2)}, ${p.stock} in stock)`,
      );
    }
    if (report.kept.length > 0)
      say(dim(`  kept   ${report.kept.join(", ")} (already there, stock untouched)`));
    say(
      report.granted > 0
        ? `  granted ${report.granted} points to ${report.customerId} (balance ${report.balance})`
        : dim(`  ${report.customerId} already got its points (balance ${report.balance})`),
    );
  }
  const docs = await client.request("GET", "/openapi.json").then(
    (answer) => answer.status === 200,
    () => false,
  );
  printGuide(url, stack.adminToken, docs, stateDir);
}

/**
 * `kill <pid of npm>` ends npm and its `sh` without passing the signal on, which would leave
 * tsx, this script and wrangler running. So: watch the processes that launched us (tsx, sh,
 * npm) and stop like on SIGTERM when one of them is gone.
 */
function watchLaunchers(onGone: () => void) {
  const launchers: number[] = [];
  for (let pid = process.ppid; pid > 1 && launchers.length < 3; pid = parentOf(pid)) {
    launchers.push(pid);
  }
  const timer = setInterval(() => {
    if (launchers.some((pid) => !isAlive(pid))) {
      clearInterval(timer);
      onGone();
    }
  }, 1_000);
  timer.unref();
}

/** Parent pid from /proc (Linux); 0 where that is not available, which ends the walk. */
function parentOf(pid: number): number {
  return Number(procStat(pid)?.[1]) || 0;
}

function printGuide(url: string, token: string, docs: boolean, stateDir: string) {
  const auth = `-H "authorization: Bearer ${token}"`;
  const signIn = JSON.stringify({ customerId: SEED_CUSTOMER });
  const me = '-H "authorization: Bearer $TOKEN"';
  const order = JSON.stringify({
    customerId: SEED_CUSTOMER,
    items: [{ sku: "desk-lamp", quantity: 1 }],
    pointsToRedeem: 500,
  });
  const declined = JSON.stringify({
    customerId: SEED_CUSTOMER,
    items: [{ sku: "enamel-mug", quantity: 1 }],
    paymentMethod: "tok_declined",
  });
  say();
  say(green(bold(`edge-saga is running: ${url}`)));
  say(
    `  API docs         ${cyan(`${url}/docs`)}   (OpenAPI: ${url}/openapi.json)` +
      (docs ? "" : dim("  not served by this gateway yet")),
  );
  const state = stateDir === DEFAULT_STATE_DIR ? ".dev-state/" : stateDir;
  say(`  local state      ${state} (kept across restarts; \`npm run dev -- --fresh\` wipes it)`);
  say(`  admin token      ${token}`);
  say(
    `  sign in          ${dim(`local dev issuer: any customer id, no password (README, "Identity")`)}`,
  );
  say();
  say(bold(`Try (as ${SEED_CUSTOMER}: her token goes with every customer call)`));
  say(
    `  TOKEN=$(curl -s -X POST ${url}/auth/dev/token -H "content-type: application/json" -d '${signIn}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).accessToken')`,
  );
  say(`  curl ${url}/products`);
  say(`  curl -i -X POST ${url}/orders ${me} -H "content-type: application/json" \\`);
  say(`       -d '${order}'`);
  say(
    `  curl ${me} -H "Prefer: wait=10" ${url}/orders/<id>  ${dim("# held while PENDING: CONFIRMED or REJECTED")}`,
  );
  say(
    `  curl ${me} ${url}/orders/<id>/history    ${dim("# each saga step the order service recorded")}`,
  );
  say(
    `  curl ${me} ${url}/orders/<id>/payment    ${dim("# the card: PENDING, AUTHORIZED, CAPTURED (or DECLINED, VOIDED, REFUNDED)")}`,
  );
  say(`  curl -i -X POST ${url}/orders ${me} -H "content-type: application/json" \\`);
  say(
    `       -d '${declined}'   ${dim("# REJECTED PAYMENT_DECLINED (sandbox cards: tok_visa approves; tok_declined, tok_insufficient_funds decline; none = saved card)")}`,
  );
  say(`  curl ${me} ${url}/customers/me/rewards`);
  say(`  curl ${auth} ${url}/admin/outbox`);
  say(
    `  curl ${auth} ${url}/admin/payment/effects   ${dim("# /admin/payment/... is one more service: card-processor calls still without an answer")}`,
  );
  say(
    `  npm run demo                ${dim("# a narrated walkthrough of the saga against this server")}`,
  );
  say();
  say(
    bold("The cron's work (relay poke + retention) runs every minute, as in production; or now:"),
  );
  say(`  curl '${url}/__scheduled?cron=*+*+*+*+*'   ${dim("# every service, as the cron does")}`);
  say(
    `  curl -X POST ${auth} ${url}/admin/order/maintenance   ${dim("# one service (also inventory, rewards, payment)")}`,
  );
  say();
  say(dim("Ctrl-C stops everything. wrangler's log follows."));
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run dev failed: ${(error as Error).message}\n`);
  process.exit(1);
});
