/**
 * `npm run demo`: a narrated walk through the order saga, against a running `npm run dev`
 * (or a temporary stack of its own when nothing answers). Every run uses fresh customers and
 * products, so it can run again and again. Exits non-zero when a scenario does not end as it
 * should: it doubles as a smoke test of the whole system.
 *
 *   npm run demo                               against http://localhost:8787
 *   npm run demo -- --url http://127.0.0.1:9000 [--token <admin token>]
 *
 * What it shows lives in scripts/lib/demo/: one module per ending of the saga (endings/), the
 * journey of one order, and the sections around them.
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiClient, SCRIPT_TIMEOUTS } from "./lib/api-client";
import { cancelledOrder } from "./lib/demo/endings/cancelled";
import { cardDeclined } from "./lib/demo/endings/card-declined";
import { confirmedOrder } from "./lib/demo/endings/confirmed";
import { insufficientPoints } from "./lib/demo/endings/insufficient-points";
import { outOfStock } from "./lib/demo/endings/out-of-stock";
import { printIntro } from "./lib/demo/intro";
import { defaultColor, Out } from "./lib/demo/output";
import { setUp } from "./lib/demo/setup";
import { printTables } from "./lib/demo/tables";
import { printVerdict } from "./lib/demo/verdict";
import { type Context, demoWorld, Model, type ScenarioResult } from "./lib/demo/world";
import { type LocalStack, startLocalStack } from "./lib/local-stack";

export type { ScenarioResult } from "./lib/demo/world";

const DEFAULT_URL = "http://localhost:8787";

/** The saga's endings, in the order the demo walks them (numbered from 1). */
const SCENARIOS = [confirmedOrder, outOfStock, insufficientPoints, cardDeclined, cancelledOrder];

export interface DemoOptions {
  baseUrl: string;
  adminToken: string;
  /** Where the narration goes. Default: stdout. */
  write?: (text: string) => void;
  /** ANSI colours. Default: only when stdout is a terminal (and NO_COLOR is not set). */
  color?: boolean;
  /** The server goes away after the demo (a temporary stack): no "look closer" hint. */
  temporary?: boolean;
}

export interface DemoResult {
  ok: boolean;
  scenarios: ScenarioResult[];
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = new Out(
    options.write ?? ((text) => process.stdout.write(text)),
    options.color ?? defaultColor(),
  );
  const client = new ApiClient(options.baseUrl, options.adminToken, SCRIPT_TIMEOUTS);
  const world = demoWorld(randomBytes(3).toString("hex"));
  const ctx: Context = { ...world, client, out, model: new Model() };

  printIntro(ctx);
  await setUp(ctx);
  const scenarios: ScenarioResult[] = [];
  for (const [index, scenario] of SCENARIOS.entries())
    scenarios.push(await scenario(ctx, index + 1));
  await printTables(ctx);
  const ok = printVerdict(ctx, scenarios, !options.temporary);
  return { ok, scenarios };
}

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: npm run demo -- [--url ${DEFAULT_URL}] [--token <admin token>]
  --url     the gateway; when nothing answers there, a temporary local stack is started
  --token   admin token (default: $ADMIN_TOKEN, else dev-admin-token)`;

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string", default: DEFAULT_URL },
      token: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let baseUrl = values.url.replace(/\/+$/, "");
  let adminToken = values.token ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";
  let stack: LocalStack | undefined;
  try {
    if (!(await new ApiClient(baseUrl, adminToken).isUp())) {
      process.stdout.write(
        `Nothing answers at ${baseUrl} (start one with \`npm run dev\`): starting a temporary local stack for this run…\n`,
      );
      stack = await startLocalStack({ adminToken: values.token ?? process.env.ADMIN_TOKEN });
      baseUrl = stack.baseUrl;
      adminToken = stack.adminToken;
      process.stdout.write(`temporary stack up at ${baseUrl}\n\n`);
    }
    const result = await runDemo({ baseUrl, adminToken, temporary: stack !== undefined });
    return result.ok ? 0 : 1;
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`\ndemo failed: ${message}\n`);
    if (/ 40[13]/.test(message)) {
      process.stderr.write("(is the admin token right? --token or ADMIN_TOKEN)\n");
    }
    return 2;
  } finally {
    if (stack) {
      await stack.stop();
      process.stdout.write("(temporary stack stopped)\n");
    }
  }
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  main().then((code) => process.exit(code));
}
