/**
 * The parts of the deploy that decide: what must exist, in which order the Workers go, how
 * configs are brought up to date and which production copies are deployed instead of them.
 * Pure but for `writeDeployConfig`, which reads a config and writes such a copy.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * The services with a D1 database and an inbox, in deploy order. Payment first: it subscribes to
 * order's events and the order saga waits for its answer, while it sends nothing until an order
 * asks, so it must be running before the order service that calls on it. Then order before
 * inventory (a subscriber before the producer of the events it consumes), then the view, which
 * only reads.
 */
export const SERVICES = ["payment", "order", "inventory", "rewards", "view"] as const;
export type Service = (typeof SERVICES)[number];

/**
 * Workers of this repo that are never deployed: the local card processor stand-in (the payment
 * service calls the real processor at PSP_URL in production). Their configs, and their names:
 * a deployed config's service binding to one of them is left out of what is deployed.
 */
export const NEVER_DEPLOYED = ["workers/psp-sandbox/wrangler.toml"] as const;
export const NEVER_DEPLOYED_WORKERS = ["edge-saga-psp-sandbox"] as const;

export const OPERATIONS_CONFIG = "workers/operations/wrangler.toml";
export const GATEWAY_CONFIG = "wrangler.toml";
export const PAYMENT_CONFIG = "workers/payment/wrangler.toml";

export const serviceConfig = (service: Service) => `workers/${service}/wrangler.toml`;

/**
 * Every Worker `npm run deploy` deploys, in order: the services (the gateway's and the operations
 * Worker's service bindings must point at Workers that exist), the operations Worker, which reads
 * them, and last the gateway, which fronts them all.
 */
export function deployOrder(): string[] {
  return [...SERVICES.map(serviceConfig), OPERATIONS_CONFIG, GATEWAY_CONFIG];
}

export const databaseName = (service: Service) => `edge-saga-${service}`;
/** Every inbox queue and its dead-letter queue. */
export const queueNames = () => SERVICES.flatMap((s) => [`${s}-inbox`, `${s}-inbox-dlq`]);

/** Placeholder ids in the committed configs: local dev only, never deployable. */
export const isPlaceholderId = (id: string) => /^0{8}-0{4}-0{4}-0{4}-\d{12}$/.test(id);

export function databaseIdOf(toml: string): string | undefined {
  return /^database_id\s*=\s*"([^"]*)"/m.exec(toml)?.[1];
}

/** The config with its (single) D1 `database_id` set to `id`; everything else untouched. */
export function withDatabaseId(toml: string, id: string): string {
  if (databaseIdOf(toml) === undefined) throw new Error("config has no database_id");
  return toml.replace(/^database_id\s*=\s*"[^"]*"/m, `database_id = "${id}"`);
}

/**
 * The admin token guards every write an operator can make; refuse the local default and
 * anything short enough to guess.
 */
export function adminTokenProblem(token: string | undefined): string | null {
  if (!token) return "ADMIN_TOKEN is not set";
  if (token === "dev-admin-token") return "ADMIN_TOKEN is the local development token";
  if (token.length < 24) return "ADMIN_TOKEN must be at least 24 characters";
  if (/\s/.test(token)) return "ADMIN_TOKEN must not contain whitespace";
  return null;
}

/** Variables that switch on test-only code paths; local-stack sets them in temporary config copies. */
export const DEV_ONLY_VARS = ["FAULTS_ENABLED", "BENCH_BASELINES_ENABLED"] as const;

/**
 * Fault injection (chaos runs) and the unsafe benchmark baselines are for local runs only:
 * a config that defines one of their switches (in `[vars]`, inline or in any environment's
 * vars) must never be deployed.
 */
export function devOnlyVarsProblem(toml: string, file: string): string | null {
  const found = DEV_ONLY_VARS.find((name) => new RegExp(`^[^#\\n]*\\b${name}\\b`, "m").test(toml));
  if (!found) return null;
  const what = found === "FAULTS_ENABLED" ? "fault injection" : "the unsafe benchmark baselines";
  return `${file} defines ${found}: ${what} must never be deployed`;
}

/** Secrets: set by `npm run deploy` from the environment, never written in a config's vars. */
export const SECRET_VARS = ["ADMIN_TOKEN", "PSP_SECRET"] as const;

/**
 * A config that assigns a secret's name (in `[vars]`, inline or in any environment's vars) would
 * publish the secret with the config and shadow the real one: never deployed.
 */
export function secretVarsProblem(toml: string, file: string): string | null {
  const found = SECRET_VARS.find((name) =>
    new RegExp(`^[^#\\n]*\\b${name}"?\\s*=`, "m").test(toml),
  );
  if (!found) return null;
  return `${file} sets ${found} in its vars: a secret must never be in a config (npm run deploy sets it from the environment)`;
}

/** Why `--psp-url` cannot be the card processor's API base URL, or null if it can. */
export function pspUrlProblem(url: string | undefined): string | null {
  if (!url) return "--psp-url is required: the card processor's API base URL (https)";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--psp-url ${url} is not a URL`;
  }
  if (parsed.protocol !== "https:") return `--psp-url ${url} is not https`;
  if (parsed.username || parsed.password)
    return "--psp-url must not carry credentials: the secret goes in PSP_SECRET";
  return null;
}

/** The local sandbox's test secret (workers/psp-sandbox/wrangler.toml). */
const SANDBOX_SECRET = "sk_test_sandbox";

/** Why `PSP_SECRET` cannot be the processor's secret, or null if it can. */
export function pspSecretProblem(secret: string | undefined): string | null {
  if (!secret) return "PSP_SECRET is not set";
  if (secret === SANDBOX_SECRET) return "PSP_SECRET is the local sandbox's test secret";
  if (/\s/.test(secret)) return "PSP_SECRET must not contain whitespace";
  return null;
}

/**
 * `toml` without its `[[services]]` bindings to Workers that are never deployed (the local PSP
 * sandbox), each with the comment lines right above it; everything else as it is. Throws if a
 * line outside a comment still names such a Worker.
 */
export function withoutNeverDeployedBindings(toml: string): string {
  const lines = toml.split("\n");
  const isHeader = (line: string) => /^\s*\[/.test(line);
  const isCommentOrBlank = (line: string) => /^\s*(#.*)?$/.test(line);
  const bindsNeverDeployed = (line: string) =>
    NEVER_DEPLOYED_WORKERS.some((name) =>
      new RegExp(`^\\s*service\\s*=\\s*"${name}"\\s*(#.*)?$`).test(line),
    );
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*\[\[services\]\]\s*(#.*)?$/.test(line)) {
      // The block: up to the next table header, less the comments and blank lines before it.
      let end = i + 1;
      while (end < lines.length && !isHeader(lines[end] as string)) end++;
      while (end > i + 1 && isCommentOrBlank(lines[end - 1] as string)) end--;
      if (lines.slice(i, end).some(bindsNeverDeployed)) {
        // Its own comment goes with it; one blank line stays between its neighbours.
        while (out.length > 0 && /^\s*#/.test(out.at(-1) as string)) out.pop();
        i = end - 1;
        if (out.length > 0 && (out.at(-1) as string).trim() === "")
          while (i + 1 < lines.length && (lines[i + 1] as string).trim() === "") i++;
        continue;
      }
    }
    out.push(line);
  }
  const text = out.join("\n");
  for (const name of NEVER_DEPLOYED_WORKERS)
    if (new RegExp(`^[^#\\n]*\\b${name}\\b`, "m").test(text))
      throw new Error(`still reaches ${name} (never deployed) after removing its service bindings`);
  return text;
}

/** `toml` with `PSP_URL` set in its `[vars]` (replaced if there, else added first). */
export function withPspUrl(toml: string, pspUrl: string): string {
  const problem = pspUrlProblem(pspUrl);
  if (problem) throw new Error(problem);
  const url = `PSP_URL = ${JSON.stringify(pspUrl)}`;
  if (/^PSP_URL\s*=.*$/m.test(toml)) return toml.replace(/^PSP_URL\s*=.*$/m, url);
  if (/^\[vars\]\s*$/m.test(toml)) return toml.replace(/^\[vars\]\s*$/m, `[vars]\n${url}`);
  throw new Error("the config has no [vars] table to set PSP_URL in");
}

/**
 * What `npm run deploy` deploys of the config `config` (its text `toml`): no service binding to
 * a Worker that is never deployed, and for payment `PSP_URL` set to the real processor's URL.
 */
export function productionConfig(config: string, toml: string, options: { pspUrl: string }) {
  const text = withoutNeverDeployedBindings(toml);
  return config === PAYMENT_CONFIG ? withPspUrl(text, options.pspUrl) : text;
}

/** Paths in a config that are relative to its folder: made absolute for a copy elsewhere. */
function withAbsolutePaths(toml: string, from: string): string {
  const abs = (path: string) => JSON.stringify(join(from, path));
  return toml
    .replace(/^main\s*=\s*"([^"]*)"/m, (_, main) => `main = ${abs(main)}`)
    .replace(/^(\s*migrations_dir\s*=\s*)"([^"]*)"/gm, (_, key, dir) => `${key}${abs(dir)}`)
    .replace(
      /^(\s*watch_dir\s*=\s*)(\[[^\]\n]*\]|"[^"\n]*")/m,
      (_, key, value: string) => key + value.replace(/"([^"]*)"/g, (_m, dir) => abs(dir)),
    )
    .replace(
      /^(\s*(?:directory|tsconfig)\s*=\s*)"([^"]*)"/gm,
      (_, key, path) => `${key}${abs(path)}`,
    );
}

/**
 * The config file `npm run deploy` deploys for `config`: the committed one if it is deployed as
 * it is, otherwise its `productionConfig` written to `dir/<its folder>/wrangler.toml`, its
 * relative paths made absolute.
 */
export function writeDeployConfig(
  root: string,
  config: string,
  dir: string,
  options: { pspUrl: string },
): string {
  if ((NEVER_DEPLOYED as readonly string[]).includes(config))
    throw new Error(`${config} is never deployed`);
  const toml = readFileSync(join(root, config), "utf8");
  const text = productionConfig(config, toml, options);
  if (text === toml) return config;
  const file = join(
    dir,
    dirname(config) === "." ? "gateway" : basename(dirname(config)),
    "wrangler.toml",
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, withAbsolutePaths(text, dirname(join(root, config))));
  return file;
}
