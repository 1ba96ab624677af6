/**
 * The parts of the deploy that decide: what must exist, in which order the Workers go, how
 * configs are brought up to date and which production copies are deployed instead of them.
 * Pure but for `writeDeployConfig`, which reads a config and writes such a copy.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { MAX_SHARDS, parseShards, withShardBindings } from "./shards";

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

/**
 * The D1 database of `shard` of `service`: shard 0 is the service's database as before
 * sharding (so a deployment on one shard is today's), shard i `edge-saga-<service>-shard-<i>`.
 */
export const shardDatabaseName = (service: Service, shard: number) =>
  shard === 0 ? databaseName(service) : `${databaseName(service)}-shard-${shard}`;

/** Shards per service, as `npm run deploy` provisions and configures them. */
export type ShardPlan = Record<Service, number>;

/**
 * `--shards` of `npm run deploy`: `N` for every service, or `service=N,...` per service (the
 * others keep what they have); undefined: every service keeps what it has. `existing` is each
 * service's count deployed now (`deployedShards`), 1 for a service not deployed yet.
 */
export function shardPlan(value: string | undefined, existing: ShardPlan): ShardPlan {
  const plan = { ...existing };
  if (value === undefined || value.trim() === "") return plan;
  if (!value.includes("=")) {
    const shards = parseShards(value);
    for (const service of SERVICES) plan[service] = shards;
    return plan;
  }
  for (const part of value.split(",")) {
    const [name, count, extra] = part.split("=").map((text) => text.trim());
    if (!(SERVICES as readonly string[]).includes(name ?? "") || extra !== undefined)
      throw new Error(
        `--shards ${value}: "${part}" is not <service>=<N> (services: ${SERVICES.join(", ")})`,
      );
    plan[name as Service] = parseShards(count, `--shards ${name}`);
  }
  return plan;
}

/**
 * Each service's shard count deployed now, read from the account's databases: shard 0 and the
 * shard databases after it without a gap (1 where none exists yet).
 */
export function deployedShards(existingNames: Iterable<string>): ShardPlan {
  const names = new Set(existingNames);
  const plan = {} as ShardPlan;
  for (const service of SERVICES) {
    let shards = 1;
    while (shards < MAX_SHARDS && names.has(shardDatabaseName(service, shards))) shards++;
    plan[service] = shards;
  }
  return plan;
}

/**
 * Why `plan` cannot be deployed over `existing` (none: []): a deployed service's shard count
 * changes only by the procedure in docs/decisions.md ("Growing the shards"), whose steps run
 * `npm run deploy -- --reshard`: fewer shards would leave rows where no key routes, more would
 * route keys to shards that do not hold their rows yet.
 */
export function reshardProblems(
  plan: ShardPlan,
  existing: ShardPlan,
  deployed: (service: Service) => boolean,
): string[] {
  return SERVICES.filter((s) => deployed(s) && plan[s] !== existing[s]).map(
    (s) =>
      `${s} runs on ${existing[s]} shard${existing[s] === 1 ? "" : "s"}, --shards asks ${plan[s]}: changing a deployed service's shards moves data (docs/decisions.md, "Growing the shards"); as a step of that procedure: --reshard`,
  );
}

/** Every inbox queue and its dead-letter queue. */
export const queueNames = () => SERVICES.flatMap((s) => [`${s}-inbox`, `${s}-inbox-dlq`]);

/** Placeholder ids in the committed configs: local dev only, never deployable. */
export const isPlaceholderId = (id: string) => /^0{8}-0{4}-0{4}-0{4}-\d{12}$/.test(id);

/**
 * The Workers KV namespaces the deploy creates, by the config that binds them: the view's
 * customers' order lists (its second store, docs/decisions.md "A second store for the view").
 */
export const KV_NAMESPACES = [
  {
    config: "workers/view/wrangler.toml",
    binding: "CUSTOMER_ORDERS_KV",
    title: "edge-saga-view-customer-orders",
  },
] as const;

/** Placeholder KV namespace ids in the committed configs (32 hex digits, zeros): local only. */
export const isPlaceholderKvId = (id: string) => /^0{28}\d{4}$/.test(id);

/** The id of the KV namespace bound as `binding` in the config `toml`. */
export function kvNamespaceIdOf(toml: string, binding: string): string | undefined {
  return parseConfig(toml).kv_namespaces?.find((ns) => ns.binding === binding)?.id;
}

/**
 * The config with the KV namespace bound as `binding` given the id `id`; everything else
 * untouched (a text edit, like `withDatabaseId`: the comments stay).
 */
export function withKvNamespaceId(toml: string, binding: string, id: string): string {
  const current = kvNamespaceIdOf(toml, binding);
  if (current === undefined) throw new Error(`config binds no KV namespace ${binding}`);
  const block = new RegExp(`(binding\\s*=\\s*"${binding}"\\s*\\n\\s*id\\s*=\\s*)"[^"]*"`);
  const updated = toml.replace(block, `$1"${id}"`);
  if (kvNamespaceIdOf(updated, binding) !== id)
    throw new Error(`could not set the id of the config's KV namespace ${binding}`);
  return updated;
}

/** A wrangler.toml as smol-toml parses it: the parts the deploy reads or rewrites, typed. */
export interface WranglerConfig {
  main?: string;
  tsconfig?: string;
  vars?: Record<string, unknown>;
  env?: Record<string, { vars?: Record<string, unknown> }>;
  services?: { binding: string; service: string }[];
  d1_databases?: { database_id?: string; migrations_dir?: string }[];
  kv_namespaces?: { binding: string; id?: string }[];
  build?: { watch_dir?: string | string[] };
  assets?: { directory?: string };
  [key: string]: unknown;
}

export const parseConfig = (toml: string) => parseToml(toml) as WranglerConfig;

export function databaseIdOf(toml: string): string | undefined {
  return parseConfig(toml).d1_databases?.[0]?.database_id;
}

/**
 * The config with its (single) D1 `database_id` set to `id`; everything else untouched. The one
 * edit of a committed config (the user commits it): a text edit, so its comments stay, which a
 * parse and stringify would drop; the parser checks the result.
 */
export function withDatabaseId(toml: string, id: string): string {
  if (databaseIdOf(toml) === undefined) throw new Error("config has no database_id");
  const updated = toml.replace(/^database_id\s*=\s*"[^"]*"/m, `database_id = "${id}"`);
  if (databaseIdOf(updated) !== id) throw new Error("could not set the config's database_id");
  return updated;
}

/** The config's `[vars]` and every environment's vars. */
const varsTables = (config: WranglerConfig) => [
  config.vars ?? {},
  ...Object.values(config.env ?? {}).map((env) => env.vars ?? {}),
];

/** The first of `names` set in any vars table of `toml`. */
const setInVars = <N extends string>(toml: string, names: readonly N[]) => {
  const tables = varsTables(parseConfig(toml));
  return names.find((name) => tables.some((vars) => Object.hasOwn(vars, name)));
};

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
  const found = setInVars(toml, DEV_ONLY_VARS);
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
  const found = setInVars(toml, SECRET_VARS);
  if (!found) return null;
  return `${file} sets ${found} in its vars: a secret must never be in a config (npm run deploy sets it from the environment)`;
}

/**
 * The gateway's secret that switches on its local dev issuer (`POST /auth/dev/token`, which
 * signs a token for whoever asks): local stacks only (scripts/lib/local-stack.ts).
 */
export const DEV_ISSUER_KEY = "AUTH_DEV_ISSUER_KEY";
/** The `iss` of the dev issuer's tokens: never production's issuer. */
export const DEV_ISSUER = "urn:edge-saga:dev-issuer";

/** A config that switches the dev issuer on (in any vars table) is never deployed. */
export function devIssuerVarProblem(toml: string, file: string): string | null {
  if (!setInVars(toml, [DEV_ISSUER_KEY])) return null;
  return `${file} sets ${DEV_ISSUER_KEY}: the dev issuer signs a token for anyone who asks and must never be deployed`;
}

/**
 * Secrets a Worker would run with (those uploaded with the deploy, or already set on the
 * account): none may switch the dev issuer on.
 */
export function devIssuerSecretProblem(names: Iterable<string>, where: string): string | null {
  for (const name of names)
    if (name === DEV_ISSUER_KEY)
      return `${where} has the secret ${DEV_ISSUER_KEY}: the dev issuer must never be deployed (remove it: npx wrangler secret delete ${DEV_ISSUER_KEY})`;
  return null;
}

/** The gateway's settings of production's identity provider (its vars; README "Identity"). */
export const IDENTITY_VARS = ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_JWKS_URL"] as const;
export type IdentityProvider = Record<(typeof IDENTITY_VARS)[number], string>;

/**
 * The identity provider the gateway is deployed with: each setting from the environment, else
 * the gateway config's `[vars]`.
 */
export function identityProviderOf(
  gatewayToml: string,
  env: Record<string, string | undefined>,
): Partial<IdentityProvider> {
  const vars = parseConfig(gatewayToml).vars ?? {};
  const settings: Partial<IdentityProvider> = {};
  for (const name of IDENTITY_VARS) {
    const value = env[name] || (typeof vars[name] === "string" ? vars[name] : "");
    if (value) settings[name] = value;
  }
  return settings;
}

/** Why the gateway cannot verify customers' tokens with `settings` in production (none: []). */
export function identityProviderProblems(settings: Partial<IdentityProvider>): string[] {
  const problems: string[] = [];
  for (const name of IDENTITY_VARS)
    if (!settings[name])
      problems.push(`${name} is not set (the gateway verifies customers' tokens with it)`);
  if (settings.AUTH_ISSUER === DEV_ISSUER)
    problems.push(`AUTH_ISSUER is the local dev issuer (${DEV_ISSUER})`);
  const jwks = settings.AUTH_JWKS_URL;
  if (jwks) {
    let url: URL | undefined;
    try {
      url = new URL(jwks);
    } catch {
      problems.push(`AUTH_JWKS_URL ${jwks} is not a URL`);
    }
    if (url && url.protocol !== "https:") problems.push(`AUTH_JWKS_URL ${jwks} is not https`);
    if (url && /^(localhost|127\.|\[::1\])/.test(url.hostname))
      problems.push(`AUTH_JWKS_URL ${jwks} is this machine, not an identity provider`);
  }
  return problems;
}

/** `config` with the identity provider's settings in its `[vars]`. */
export function withIdentityProvider(
  config: WranglerConfig,
  settings: IdentityProvider,
): WranglerConfig {
  const problems = identityProviderProblems(settings);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { ...config, vars: { ...config.vars, ...settings } };
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
 * `config` without its `[[services]]` bindings to Workers that are never deployed (the local PSP
 * sandbox); everything else as it is. Throws if anything else still names such a Worker.
 */
export function withoutNeverDeployedBindings(config: WranglerConfig): WranglerConfig {
  const never = NEVER_DEPLOYED_WORKERS as readonly string[];
  const { services, ...rest } = config;
  const kept = (services ?? []).filter((binding) => !never.includes(binding.service));
  // Nothing removed: the same object, so the caller sees the config needs no copy.
  const result = kept.length === (services ?? []).length ? config : { ...rest, services: kept };
  if (result.services?.length === 0) delete result.services;
  const text = JSON.stringify(result);
  for (const name of never)
    if (text.includes(name))
      throw new Error(`still reaches ${name} (never deployed) after removing its service bindings`);
  return result;
}

/** `config` with `PSP_URL` set in its `[vars]` (replaced if there, else added). */
export function withPspUrl(config: WranglerConfig, pspUrl: string): WranglerConfig {
  const problem = pspUrlProblem(pspUrl);
  if (problem) throw new Error(problem);
  if (!config.vars) throw new Error("the config has no [vars] table to set PSP_URL in");
  return { ...config, vars: { ...config.vars, PSP_URL: pspUrl } };
}

/**
 * What `npm run deploy` deploys of the config `config` (its text `toml`): no service binding to
 * a Worker that is never deployed, for payment `PSP_URL` set to the real processor's URL, for
 * the gateway the identity provider's settings.
 */
export function productionConfig(
  config: string,
  toml: string,
  options: DeployOptions,
): WranglerConfig {
  return deployedConfig(config, parseConfig(toml), options);
}

/** What production's copies of the configs take: the card processor and the identity provider. */
export interface DeployOptions {
  pspUrl: string;
  identity: IdentityProvider;
  /**
   * Per service on more than one shard: the ids of its shard databases 1 .. N-1 (shard 0 is the
   * config's own database_id). Absent, or a service not named: one shard, config as committed.
   */
  shardIds?: Partial<Record<Service, string[]>>;
}

/**
 * `config` of `service` on 1 + `ids.length` D1 databases: `DB_i` bound to
 * `edge-saga-<service>-shard-<i>` with id `ids[i-1]`, the same migrations, and SHARDS = N.
 */
export function withShardDatabases(
  config: WranglerConfig,
  service: Service,
  ids: string[],
): WranglerConfig {
  return withShardBindings(config, ids.length + 1, {
    nameOf: (shard) => shardDatabaseName(service, shard),
    idOf: (shard) => ids[shard - 1] as string,
  });
}

/** `productionConfig` of a parsed config: `parsed` itself when nothing needs to change. */
function deployedConfig(config: string, parsed: WranglerConfig, options: DeployOptions) {
  const service = SERVICES.find((s) => serviceConfig(s) === config);
  const ids = service ? options.shardIds?.[service] : undefined;
  const sharded = service && ids?.length ? withShardDatabases(parsed, service, ids) : parsed;
  const deployed = withoutNeverDeployedBindings(sharded);
  if (config === PAYMENT_CONFIG) return withPspUrl(deployed, options.pspUrl);
  if (config === GATEWAY_CONFIG) return withIdentityProvider(deployed, options.identity);
  return deployed;
}

/** Paths in a config that are relative to its folder: made absolute for a copy elsewhere. */
function withAbsolutePaths(config: WranglerConfig, from: string): WranglerConfig {
  const abs = (path: string) => join(from, path);
  const copy = structuredClone(config);
  if (copy.main) copy.main = abs(copy.main);
  if (copy.tsconfig) copy.tsconfig = abs(copy.tsconfig);
  for (const database of copy.d1_databases ?? [])
    if (database.migrations_dir) database.migrations_dir = abs(database.migrations_dir);
  const watch = copy.build?.watch_dir;
  if (copy.build && watch !== undefined)
    copy.build.watch_dir = typeof watch === "string" ? abs(watch) : watch.map(abs);
  if (copy.assets?.directory) copy.assets.directory = abs(copy.assets.directory);
  return copy;
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
  options: DeployOptions,
): string {
  if ((NEVER_DEPLOYED as readonly string[]).includes(config))
    throw new Error(`${config} is never deployed`);
  const toml = readFileSync(join(root, config), "utf8");
  const parsed = parseConfig(toml);
  const deployed = deployedConfig(config, parsed, options);
  if (deployed === parsed) return config;
  const file = join(
    dir,
    dirname(config) === "." ? "gateway" : basename(dirname(config)),
    "wrangler.toml",
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringifyToml(withAbsolutePaths(deployed, dirname(join(root, config)))));
  return file;
}
