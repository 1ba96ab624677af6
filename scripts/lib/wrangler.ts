import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the project's pinned wrangler; output is captured unless `inherit` is set. */
export function wrangler(
  args: string[],
  options: { inherit?: boolean; input?: string } = {},
): RunResult {
  const result = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    input: options.input,
    encoding: "utf8",
    stdio: options.inherit ? ["pipe", "inherit", "inherit"] : "pipe",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** Like `wrangler`, but throws with wrangler's own output when it fails. */
export function wranglerOrThrow(
  args: string[],
  options: { inherit?: boolean; input?: string } = {},
): RunResult {
  const result = wrangler(args, options);
  if (result.status !== 0) {
    throw new Error(
      `wrangler ${args.join(" ")} failed (exit ${result.status})\n${result.stdout}\n${result.stderr}`.trim(),
    );
  }
  return result;
}

/**
 * The Workers of this repo: config path, and the types file `wrangler types` generates for it.
 * `neverDeployed`: local only (`npm run deploy` leaves it out; scripts/lib/deploy-plan.ts).
 */
export const WORKERS: readonly {
  name: string;
  config: string;
  types: string;
  neverDeployed?: boolean;
}[] = [
  {
    name: "order",
    config: "workers/order/wrangler.toml",
    types: "workers/order/worker-configuration.d.ts",
  },
  {
    name: "inventory",
    config: "workers/inventory/wrangler.toml",
    types: "workers/inventory/worker-configuration.d.ts",
  },
  {
    name: "rewards",
    config: "workers/rewards/wrangler.toml",
    types: "workers/rewards/worker-configuration.d.ts",
  },
  {
    name: "payment",
    config: "workers/payment/wrangler.toml",
    types: "workers/payment/worker-configuration.d.ts",
  },
  {
    name: "psp-sandbox",
    config: "workers/psp-sandbox/wrangler.toml",
    types: "workers/psp-sandbox/worker-configuration.d.ts",
    neverDeployed: true,
  },
  {
    name: "view",
    config: "workers/view/wrangler.toml",
    types: "workers/view/worker-configuration.d.ts",
  },
  {
    name: "operations",
    config: "workers/operations/wrangler.toml",
    types: "workers/operations/worker-configuration.d.ts",
  },
  { name: "gateway", config: "wrangler.toml", types: "workers/gateway/worker-configuration.d.ts" },
];
