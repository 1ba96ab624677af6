import { type ChildProcess, spawn } from "node:child_process";
import { createHash, createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WritePath } from "@edge-saga/contracts";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { type BenchEntryConfig, writeBenchEntry } from "./bench-entry";
import { groupRuns, isAlive, procStat } from "./processes";
import { assertShards, localShardId, localShardName, withShardBindings } from "./shards";

/**
 * The whole system on this machine: the gateway, the four services, the view and the card
 * processor's sandbox in ONE `wrangler dev`
 * process (cross-Worker queues and service bindings only work inside one process), with every
 * service's D1 migrated into the same persist dir. Used by the e2e suite, `npm run dev`,
 * benchmarks and chaos runs.
 *
 * @example
 * const stack = await startLocalStack();
 * try { await fetch(`${stack.baseUrl}/products`); } finally { await stack.stop(); }
 */

export const SERVICES = ["order", "inventory", "rewards", "payment", "view"] as const;

/** The local card processor the payment service calls through its PSP binding (never deployed). */
const PSP_SANDBOX_CONFIG = "workers/psp-sandbox/wrangler.toml";
export type Service = (typeof SERVICES)[number];

export interface LocalStackOptions {
  /** Port of the gateway; a free one by default. */
  port?: number;
  /** Local state (D1, DO storage). Default: a fresh temp dir, removed by `stop()`. Given: kept. */
  persistDir?: string;
  /** Devtools inspector port; a free one by default (wrangler's fixed 9229 would collide). */
  inspectorPort?: number;
  /** ADMIN_TOKEN of the gateway. Default: `$ADMIN_TOKEN`, else `dev-admin-token` (design.md). */
  adminToken?: string;
  /** How long to wait for `GET /products` to answer once `wrangler dev` runs (after migrations). Default 60 s. */
  startupTimeoutMs?: number;
  /**
   * Also write wrangler's output (migrations and dev) here as it comes, e.g. `process.stdout`
   * for `npm run dev`. The log file gets it either way. Default: the log file only.
   */
  echo?: NodeJS.WritableStream;
  /**
   * Fault injection on (`--var FAULTS_ENABLED:true` for every Worker): the services' admin
   * routes `/admin/faults` accept a plan (see shared/src/faults). Never set in any wrangler.toml.
   */
  faults?: boolean;
  /**
   * Dev-only variables for every service (e.g. `BENCH_BASELINES_ENABLED`), written into
   * temporary copies of their configs like `faults`. Never set in any wrangler.toml.
   */
  serviceVars?: Record<string, string>;
  /**
   * How the order service publishes OrderPlaced (its WRITE_PATH var; README, "Write paths"),
   * written into a temporary copy of its config. Default: its wrangler.toml's (outbox).
   */
  writePath?: WritePath;
  /**
   * LOG_LEVEL of every Worker (debug, info, warn, error), and wrangler's own `--log-level` to
   * match (warn and error also drop its request lines). Default: `$LOG_LEVEL`, else the
   * wrangler.tomls' (info). The e2e suite passes warn: a test stack need not log every event.
   */
  logLevel?: string;
  /**
   * D1 databases per stateful service (order, inventory, rewards, payment, view): `DB` and
   * `DB_1` ... `DB_{N-1}` with SHARDS = N in temporary copies of their configs, every one
   * migrated. Default 1: the committed layout. A given persist dir keeps the count it was made
   * with (a different one is refused: its data would sit on shards no key routes to).
   */
  shards?: number;
  /** Pass `--test-scheduled`: `GET /__scheduled` on the port runs the gateway's `scheduled` handler, if it has one. */
  testScheduled?: boolean;
  /**
   * Default true: play production's `* * * * *` cron, which `wrangler dev` never runs: `GET
   * /__scheduled` (implies `testScheduled`) once the stack serves, so a stack restarted on old
   * state catches up at once, then every `cronEveryMs`. The gateway's handler runs every
   * service's maintenance (relay poke, retention): without it a relay whose alarm or poke was
   * lost with the previous process never wakes.
   */
  cron?: boolean;
  /** Period of `cron`. Default 60 s, as the production cron. */
  cronEveryMs?: number;
  /**
   * Default true: SIGINT/SIGTERM kill the stack at once (SIGKILL), and the process exits unless
   * someone else listens for the signal. False: the caller handles the signals and calls `stop()`
   * (a graceful SIGTERM first). Either way the stack is killed if the process exits without `stop()`.
   */
  killOnSignal?: boolean;
}

export interface LocalStack {
  /** e.g. `http://127.0.0.1:40123`: the gateway, the only public entry. */
  baseUrl: string;
  adminToken: string;
  /** `kid` of the state dir's dev issuer key: its tokens are what `POST /auth/dev/token` signs. */
  devIssuerKid: string;
  persistDir: string;
  /** wrangler's output (migrations and dev); removed by `stop()` with the temp dir. */
  logFile: string;
  /** Process (and process group) id of `wrangler dev`. */
  pid: number;
  /** Stops the process group (SIGTERM, SIGKILL after a grace period) and removes what it created. Idempotent. */
  stop(): Promise<void>;
  /**
   * Like `stop()`, but SIGKILL at once, as a crash would (nothing flushed, in-flight queue
   * messages lost); waits until the group is gone. A persist dir given stays for a new stack.
   */
  crash(): Promise<void>;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const WATCHDOG = join(ROOT, "scripts", "lib", "stack-watchdog.mjs");
const STOP_GRACE_MS = 5_000;
const CRON_EVERY_MS = 60_000;
/** In the persist dir: who runs a stack on it, so a later start can end one whose starter died. */
export const PID_FILE = "local-stack.json";
/** Each stack's temp dir (log, config copies, default state) is named so. */
const WORK_DIR_PREFIX = "edge-saga-stack-";

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // A stack left running on the given state by a starter that died must not share it with ours.
  const leftover = options.persistDir ? await endLeftoverStack(options.persistDir) : undefined;
  if (leftover) options.echo?.write(`${leftover}\n`);
  // Always a temp dir of our own for the log; the state goes in it too unless a dir is given.
  const workDir = mkdtempSync(join(tmpdir(), WORK_DIR_PREFIX));
  const persistDir = options.persistDir ?? join(workDir, "state");
  const logFile = join(workDir, "wrangler.log");
  // Until the process group below owns it: an exit during the migrations must not leave it.
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  process.once("exit", removeWorkDir);
  const adminToken = options.adminToken ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";
  const env = wranglerEnv();
  const fail = (error: unknown): never => {
    const tail = logTail(logFile);
    process.removeListener("exit", removeWorkDir);
    removeWorkDir();
    throw new Error(
      `${(error as Error).message}\n--- wrangler output (tail of ${logFile}) ---\n${tail}`,
    );
  };

  const logLevel = options.logLevel || process.env.LOG_LEVEL || undefined;
  const shards = assertShards(options.shards ?? 1);
  if (options.persistDir) assertStateShards(options.persistDir, shards);
  let configs = {} as Record<Service, string>;
  let sandboxConfig = PSP_SANDBOX_CONFIG;
  try {
    const vars = {
      ...(options.faults ? { FAULTS_ENABLED: "true" } : {}),
      ...(logLevel ? { LOG_LEVEL: logLevel } : {}),
      // Only the order service reads it; the others ignore a var they do not know.
      ...(options.writePath ? { WRITE_PATH: options.writePath } : {}),
      ...options.serviceVars,
    };
    configs = serviceConfigs(vars, join(workDir, "configs"), shards);
    sandboxConfig = configCopy(PSP_SANDBOX_CONFIG, vars, join(workDir, "configs", "psp-sandbox"));
    const migrateInto = (dir: string) =>
      migrateServices(dir, { configs, shards, logFile, env, echo: options.echo });
    await migrateFresh(persistDir, migrateInto, shards);
    writeStateShards(persistDir, shards);
  } catch (error) {
    fail(error);
  }
  // After migrateFresh: the migrated template it copies never holds a key, so no two state
  // dirs share one.
  const issuerKey = devIssuerKey(persistDir);

  const cron = options.cron ?? true;
  const port = options.port ?? (await freePort());
  const inspectorPort = options.inspectorPort ?? (await freePort());
  const echo = options.echo;
  const log = echo ? "pipe" : openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      // The first config is the one served on the port: the gateway.
      ...["-c", "wrangler.toml"],
      ...SERVICES.flatMap((service) => ["-c", configs[service]]),
      ...["-c", sandboxConfig],
      // No state and no dev-only vars: its committed config as it is.
      ...["-c", "workers/operations/wrangler.toml"],
      ...["--port", String(port), "--ip", "127.0.0.1"],
      ...["--inspector-port", String(inspectorPort)],
      ...["--persist-to", persistDir],
      ...["--var", `ADMIN_TOKEN:${adminToken}`],
      // wrangler splits a --var at its first ":" only: the JSON reaches the gateway whole
      // (scripts/test/dev-issuer-key.test.ts runs wrangler dev to prove it).
      ...["--var", `${DEV_ISSUER_VAR}:${JSON.stringify(issuerKey)}`],
      ...(options.faults ? ["--var", "FAULTS_ENABLED:true"] : []),
      ...(logLevel
        ? ["--var", `LOG_LEVEL:${logLevel}`, "--log-level", wranglerLogLevel(logLevel)]
        : []),
      ...(options.testScheduled || cron ? ["--test-scheduled"] : []),
      "--show-interactive-dev-session=false",
    ],
    // Own process group, so stop() reaches workerd and every other grandchild too.
    { cwd: ROOT, env, detached: true, stdio: ["ignore", log, log] },
  );
  if (echo) tee(child, logFile, echo);
  else if (typeof log === "number") closeSync(log);
  if (child.pid === undefined) fail(new Error("could not spawn wrangler dev"));
  const pid = child.pid as number;
  const baseUrl = `http://127.0.0.1:${port}`;
  const group = processGroup(child, pid, workDir, persistDir, options.killOnSignal ?? true);
  process.removeListener("exit", removeWorkDir);
  try {
    await waitUntilServing(child, baseUrl, options.startupTimeoutMs ?? 60_000);
  } catch (error) {
    await group.stop({ keepWorkDir: true });
    fail(error);
  }
  const ticker = cron ? cronTicker(baseUrl, options.cronEveryMs ?? CRON_EVERY_MS) : undefined;
  return {
    baseUrl,
    adminToken,
    devIssuerKid: issuerKey.kid,
    persistDir,
    logFile,
    pid,
    stop: () => {
      ticker?.stop();
      return group.stop();
    },
    crash: () => {
      ticker?.stop();
      return group.crash();
    },
  };
}

/** The gateway's secret that switches its dev issuer on (never deployed: scripts/deploy.ts). */
export const DEV_ISSUER_VAR = "AUTH_DEV_ISSUER_KEY";
/** In the persist dir: the dev issuer's private key, so a restart on the same state keeps tokens valid. */
export const DEV_ISSUER_KEY_FILE = "dev-issuer-key.json";

/** A private ES256 JWK with its `kid`, as the gateway's AUTH_DEV_ISSUER_KEY takes it. */
export interface DevIssuerKey {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  d: string;
  kid: string;
  alg: "ES256";
}

/**
 * The dev issuer's key of the state in `persistDir`: read from its file, or generated once
 * (P-256, a random `kid`) and kept there, readable by its owner only. One per state dir: tokens
 * of one stack never verify on another's.
 */
export function devIssuerKey(persistDir: string): DevIssuerKey {
  const file = join(persistDir, DEV_ISSUER_KEY_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as DevIssuerKey;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = privateKey.export({ format: "jwk" });
  const key: DevIssuerKey = {
    kty: "EC",
    crv: "P-256",
    x: jwk.x as string,
    y: jwk.y as string,
    d: jwk.d as string,
    kid: `dev-${randomUUID()}`,
    alg: "ES256",
  };
  mkdirSync(persistDir, { recursive: true });
  // Written aside and renamed: a stack starting beside us never reads half a key.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(key)}\n`, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
  return key;
}

/**
 * Production's cron, locally: `GET /__scheduled` now and every `everyMs` while the stack runs
 * (a run still going when the next is due is not doubled). Failures are ignored: the next
 * minute tries again, as a cron would.
 */
function cronTicker(baseUrl: string, everyMs: number) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const res = await fetch(`${baseUrl}/__scheduled?cron=*+*+*+*+*`, {
        signal: AbortSignal.timeout(30_000),
      });
      await res.body?.cancel();
    } catch {
      // the stack is busy or going down
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The services' wrangler configs. Local D1 keys a database's file by its `database_id`, so
 * services sharing one would share one SQLite file in a multi-config `wrangler dev`.
 * With `vars` or more than one shard, copies of the configs carrying them are written under
 * `copiesIn`.
 */
export function serviceConfigs(
  vars: Record<string, string>,
  copiesIn: string,
  shards = 1,
): Record<Service, string> {
  const configs = Object.fromEntries(
    SERVICES.map((service) => [service, `workers/${service}/wrangler.toml`]),
  ) as Record<Service, string>;
  const ids = SERVICES.map(
    (service) => readConfig(configs[service]).d1_databases?.[0]?.database_id,
  );
  if (new Set(ids).size !== ids.length) {
    throw new Error(
      `local-stack: each service needs its own D1 database_id (found ${ids.join(", ")})`,
    );
  }
  if (Object.keys(vars).length === 0 && shards === 1) return configs;
  // `wrangler dev --var` reaches only the first config (the gateway), so the services get
  // dev-only vars (FAULTS_ENABLED ...) from copies of their configs; the committed configs never carry them.
  const copies = {} as Record<Service, string>;
  for (const service of SERVICES)
    copies[service] = configCopy(configs[service], vars, join(copiesIn, service), shards, true);
  return copies;
}

/** The parts of a wrangler.toml the stack reads or rewrites; the rest is carried as parsed. */
interface WranglerConfig {
  main?: string;
  vars?: Record<string, unknown>;
  d1_databases?: {
    binding?: string;
    database_name?: string;
    database_id?: string;
    migrations_dir?: string;
  }[];
  [key: string]: unknown;
}

const readConfig = (config: string) =>
  parseToml(readFileSync(join(ROOT, config), "utf8")) as WranglerConfig;

/**
 * A copy of the config `config` (relative to the root) with `vars`, in `dir`; its paths made
 * absolute. With `shards` > 1, its D1 database on that many shards (`withShards`). A `service`'s
 * copy with BENCH_BASELINES_ENABLED "true" runs its bench entry (bench-entry.ts), which wraps
 * its real one: production entries carry no bench code.
 */
function configCopy(
  config: string,
  vars: Record<string, string>,
  dir: string,
  shards = 1,
  service = false,
): string {
  if (Object.keys(vars).length === 0 && shards === 1) return config;
  const from = dirname(join(ROOT, config));
  const parsed = withShards(readConfig(config), shards);
  if (parsed.main) parsed.main = join(from, parsed.main);
  for (const database of parsed.d1_databases ?? [])
    if (database.migrations_dir) database.migrations_dir = join(from, database.migrations_dir);
  const file = join(dir, "wrangler.toml");
  mkdirSync(dir, { recursive: true });
  if (service && parsed.main && vars.BENCH_BASELINES_ENABLED === "true")
    parsed.main = writeBenchEntry(
      { ...(parsed as BenchEntryConfig), main: parsed.main },
      from,
      dir,
    );
  writeFileSync(file, withVars(stringifyToml(parsed), vars));
  return file;
}

/**
 * A service's config on `shards` local D1 databases: `DB` as committed, `DB_i` named
 * `<name>-shard-<i>` with the id `<id>-shard-<i>` (local D1 keys its SQLite file by the id, so
 * each shard is a file of its own in the state dir), the same migrations; SHARDS = N.
 */
export function withShards<C extends WranglerConfig>(config: C, shards: number): C {
  const first = config.d1_databases?.find((database) => database.binding === "DB");
  const name = first?.database_name ?? "";
  const id = first?.database_id ?? "";
  return withShardBindings(config, shards, {
    nameOf: (shard) => localShardName(name, shard),
    idOf: (shard) => localShardId(id, shard),
  });
}

/**
 * `text` (a wrangler.toml) with `vars` set in its `[vars]` table (added if missing), a var the
 * config already sets (LOG_LEVEL) replaced. Parsed and written by smol-toml: its comments go.
 */
export function withVars(text: string, vars: Record<string, string>): string {
  const parsed = parseToml(text) as WranglerConfig;
  parsed.vars = { ...parsed.vars, ...vars };
  return stringifyToml(parsed);
}

/**
 * wrangler's `--log-level` for Workers logging at `level`: a Worker's console.log line is at
 * wrangler's "log" level (its default), and wrangler's own debug is its internals: only warn and
 * error are passed on.
 */
function wranglerLogLevel(level: string): string {
  const name = level.trim().toLowerCase();
  return name === "warn" || name === "error" ? name : "log";
}

/**
 * The migrations of `services` (default every one) on each of their `shards` into `persistDir`,
 * `configs` being their configs on that many shards (`serviceConfigs`).
 */
export async function migrateServices(
  persistDir: string,
  options: {
    configs: Record<Service, string>;
    shards: number;
    logFile: string;
    env: NodeJS.ProcessEnv;
    echo?: NodeJS.WritableStream;
    services?: readonly Service[];
  },
) {
  const { configs, shards, logFile, env, echo } = options;
  for (const service of options.services ?? SERVICES) {
    const id = readConfig(`workers/${service}/wrangler.toml`).d1_databases?.[0]?.database_id;
    for (let shard = 0; shard < shards; shard++) {
      // A shard not there yet starts as a copy of shard 0 just migrated (a wrangler run boots
      // workerd once per migration file: 5 x N runs made a 4-shard start take minutes).
      if (shard > 0 && id && cloneShard(persistDir, id, localShardId(id, shard))) continue;
      const database = localShardName(`edge-saga-${service}`, shard);
      await migrate(database, configs[service], persistDir, logFile, env, echo);
    }
  }
}

/**
 * Every service's migrations into `persistDir`. State that exists gets what it lacks applied;
 * a fresh dir gets a copy of state migrated once per set of migrations (in the temp dir, keyed
 * by their hash): applying them boots wrangler and workerd once per service, the largest part
 * of a stack's start, and the e2e suite starts a dozen stacks.
 */
async function migrateFresh(
  persistDir: string,
  migrateInto: (dir: string) => Promise<void>,
  shards: number,
) {
  if (existsSync(join(persistDir, "v3", "d1"))) return migrateInto(persistDir);
  const template = join(tmpdir(), migratedTemplateName(migrationsHash(), shards));
  if (!existsSync(template)) {
    const building = mkdtempSync(join(tmpdir(), "edge-saga-migrating-"));
    try {
      await migrateInto(building);
      // Atomic: a stack starting beside us that built it too keeps its own copy, not half of ours.
      renameSync(building, template);
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(template)) throw error;
    }
  }
  cpSync(template, persistDir, { recursive: true });
}

/** The environment wrangler runs in under a stack: no prompts, no metrics, no colours. */
function wranglerEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: "true", // no prompts (migrations ask for confirmation otherwise)
    WRANGLER_SEND_METRICS: "false",
    FORCE_COLOR: "0",
    NO_COLOR: "1",
  };
}

/**
 * Builds the migrated template for `shards` if it is missing, and nothing else. `npm test`
 * calls it once before its lanes: each lane's first stack would otherwise build it at the same
 * moment, the same migrations applied three times over on a fresh machine's busiest minute.
 */
export async function buildMigratedTemplate(shards = 1): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), WORK_DIR_PREFIX));
  try {
    const configs = serviceConfigs({}, join(workDir, "configs"), shards);
    const logFile = join(workDir, "wrangler.log");
    const env = wranglerEnv();
    await migrateFresh(
      join(workDir, "state"),
      (dir) => migrateServices(dir, { configs, shards, logFile, env }),
      shards,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The migrated template's folder: one per set of migrations and shard count (1: as before). */
export const migratedTemplateName = (hash: string, shards: number) =>
  `edge-saga-migrated-${hash}${shards === 1 ? "" : `-shards-${shards}`}`;

/** In the persist dir: how many shards its state was made with (absent: 1, as before shards). */
export const SHARDS_FILE = "local-stack-shards.json";

/** The shard count of the state in `persistDir`; undefined for a dir with no state yet. */
export function stateShards(persistDir: string): number | undefined {
  try {
    const { shards } = JSON.parse(readFileSync(join(persistDir, SHARDS_FILE), "utf8"));
    return assertShards(shards);
  } catch {
    return existsSync(join(persistDir, "v3", "d1")) ? 1 : undefined;
  }
}

/**
 * Refuses a state made with another shard count: keys would route to other shards than those
 * holding their rows (growing is a procedure, docs/decisions.md, not a restart).
 */
export function assertStateShards(persistDir: string, shards: number) {
  const made = stateShards(persistDir);
  if (made !== undefined && made !== shards)
    throw new Error(
      `the state in ${persistDir} was made with ${made} shard${made === 1 ? "" : "s"}, not ${shards}: start with --shards ${made}, or wipe it (npm run dev -- --fresh)`,
    );
}

function writeStateShards(persistDir: string, shards: number) {
  writeFileSync(join(persistDir, SHARDS_FILE), `${JSON.stringify({ shards })}\n`);
}

/**
 * The SQLite file of the local D1 database `databaseId` in `persistDir`: miniflare keeps each
 * database in a Durable Object of the namespace below, named by the id, and workerd names the
 * object's file by `idFromName` (HMAC-SHA256 keyed with the namespace's SHA-256: 16 bytes of the
 * name's MAC, then 16 of their own MAC). scripts/test/local-stack-shards.test.ts checks it.
 */
export function localD1File(persistDir: string, databaseId: string): string {
  const namespace = "miniflare-D1DatabaseObject";
  const key = createHash("sha256").update(namespace).digest();
  const base = createHmac("sha256", key).update(databaseId).digest().subarray(0, 16);
  const mac = createHmac("sha256", key).update(base).digest().subarray(0, 16);
  const name = Buffer.concat([base, mac]).toString("hex");
  return join(persistDir, "v3", "d1", namespace, `${name}.sqlite`);
}

/**
 * Database `toId` made a copy of `fromId` (file and write-ahead log, no process has them open
 * before the stack starts), if it has no file yet and `fromId` has one where expected; false
 * otherwise, and the caller migrates it with wrangler.
 */
function cloneShard(persistDir: string, fromId: string, toId: string): boolean {
  const from = localD1File(persistDir, fromId);
  const to = localD1File(persistDir, toId);
  if (!existsSync(from) || existsSync(to)) return false;
  for (const suffix of ["", "-wal"])
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  return true;
}

/** Names the migrated state: every service's migration files and the wrangler that applies them. */
function migrationsHash(): string {
  const hash = createHash("sha256").update(readFileSync(join(ROOT, "package-lock.json")));
  for (const service of SERVICES) {
    const dir = join(ROOT, "workers", service, "migrations");
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith(".sql"))
      .sort())
      hash.update(`${service}/${file}\n`).update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * `wrangler d1 migrations apply` of one database (`database`: its name in `config`) into the
 * shared persist dir (the dev server reads it from there).
 */
export function migrate(
  database: string,
  config: string,
  persistDir: string,
  logFile: string,
  env: NodeJS.ProcessEnv,
  echo?: NodeJS.WritableStream,
) {
  const args = [
    WRANGLER,
    ...["d1", "migrations", "apply", database, "--local"],
    ...["--persist-to", persistDir],
    ...["-c", config],
  ];
  return new Promise<void>((resolve, reject) => {
    const log = echo ? "pipe" : openSync(logFile, "a");
    // A group of its own (with the workerd it boots) that the watchdog ends if we die first.
    const run = spawn(process.execPath, args, {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (echo) tee(run, logFile, echo);
    else if (typeof log === "number") closeSync(log);
    // The log lives in the stack's temp dir: the watchdog removes that dir with the group.
    if (run.pid !== undefined) watchGroup(run.pid, dirname(logFile));
    const killRun = () => {
      if (run.pid !== undefined) signalGroup(run.pid, "SIGKILL");
    };
    // Slow on a busy machine (each run boots workerd): generous, but never forever.
    const timer = setTimeout(killRun, 180_000);
    process.once("exit", killRun);
    run.on("error", reject);
    run.on("exit", (code, signal) => {
      clearTimeout(timer);
      process.removeListener("exit", killRun);
      // workerd may outlive its wrangler by a moment; the group is ours to end.
      killRun();
      if (run.pid !== undefined) forgetGroup(run.pid);
      if (code === 0) resolve();
      else reject(new Error(`migrations of ${database} failed (exit ${code ?? signal})`));
    });
  });
}

async function waitUntilServing(child: ChildProcess, baseUrl: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `wrangler dev exited early (${code ?? signal})`;
  });
  child.once("error", (error) => {
    exited = `wrangler dev could not run: ${error.message}`;
  });
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    try {
      const res = await fetch(`${baseUrl}/products`, { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      // Any answer short of a server error means gateway and inventory are up.
      if (res.status < 500) return;
      last = `GET /products answered ${res.status}: ${body.slice(0, 300)}`;
    } catch (error) {
      last = `GET /products failed: ${(error as Error).message}`;
    }
    await sleep(250);
  }
  throw new Error(`local stack did not start within ${timeoutMs} ms (${last})`);
}

/** Copies the child's stdout and stderr to the log file and to `echo`, chunk by chunk. */
function tee(child: ChildProcess, logFile: string, echo: NodeJS.WritableStream) {
  const log = createWriteStream(logFile, { flags: "a" });
  let open = 2;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) {
      open--;
      continue;
    }
    stream.on("data", (chunk: Buffer) => {
      log.write(chunk);
      echo.write(chunk);
    });
    stream.once("close", () => {
      if (--open === 0) log.end();
    });
  }
}

function processGroup(
  child: ChildProcess,
  pid: number,
  workDir: string,
  persistDir: string,
  killOnSignal: boolean,
) {
  let stopping: Promise<void> | undefined;
  watchGroup(pid, workDir);
  writePidFile(persistDir, pid, workDir);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // Last resort if the caller never gets to stop() (crash, Ctrl-C): no workerd left behind.
  const killNow = () => {
    signalGroup(pid, "SIGKILL");
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killNow();
    // Only take over the default behaviour (exit) if nobody else handles the signal.
    if (process.listenerCount(signal) === 0) process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("exit", killNow);
  if (killOnSignal) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }

  const done = () => {
    process.removeListener("exit", killNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    removePidFile(persistDir, pid);
    forgetGroup(pid);
  };
  const crash = async () => {
    stopping ??= (async () => {
      signalGroup(pid, "SIGKILL");
      await Promise.race([exited, sleep(5_000)]);
      await groupGone(pid, 5_000);
      done();
    })();
    await stopping;
    rmSync(workDir, { recursive: true, force: true });
  };
  const stop = async ({ keepWorkDir = false } = {}) => {
    stopping ??= (async () => {
      signalGroup(pid, "SIGTERM");
      const gone = await Promise.race([
        exited.then(() => groupGone(pid, STOP_GRACE_MS)),
        sleep(STOP_GRACE_MS).then(() => false),
      ]);
      if (!gone) {
        signalGroup(pid, "SIGKILL");
        await Promise.race([exited, sleep(2_000)]);
        await groupGone(pid, 2_000);
      }
      done();
    })();
    await stopping;
    // A persist dir the caller gave lives outside workDir: it stays, it is the caller's.
    if (!keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  };
  return { stop, crash };
}

/**
 * The watchdog (stack-watchdog.mjs) of this process: one detached process for every stack we
 * start, ending their process groups when we are gone, `kill -9` included, which runs none of
 * our exit hooks. Spawned on first use; the groups still watched are sent again if it died.
 */
let watchdogInput: NodeJS.WritableStream | undefined;
/** Process groups watched -> the temp dir of their stack. */
const watched = new Map<number, string>();

function watchdog(): NodeJS.WritableStream | undefined {
  if (watchdogInput) return watchdogInput;
  const dog = spawn(process.execPath, [WATCHDOG], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const input = dog.stdin;
  if (!input) return undefined;
  const lost = () => {
    if (watchdogInput === input) watchdogInput = undefined;
  };
  dog.once("exit", lost);
  dog.once("error", lost);
  input.on("error", lost);
  // Neither the process nor the pipe keeps us alive: our exit is what it waits for.
  dog.unref();
  (input as unknown as { unref?: () => void }).unref?.();
  watchdogInput = input;
  for (const [pgid, workDir] of watched) input.write(`+${pgid} ${workDir}\n`);
  return input;
}

function watchGroup(pgid: number, workDir: string) {
  watched.set(pgid, workDir);
  watchdog()?.write(`+${pgid} ${workDir}\n`);
}

function forgetGroup(pgid: number) {
  watched.delete(pgid);
  watchdogInput?.write(`-${pgid}\n`);
}

interface PidRecord {
  /** The process that started the stack, and its start time (to tell a reused pid). */
  starter: { pid: number; startedAt: string | null };
  /** `wrangler dev`, leader of the stack's process group. */
  stack: { pid: number; startedAt: string | null };
  /** The stack's temp dir (log, config copies). */
  workDir?: string;
}

function writePidFile(persistDir: string, pid: number, workDir: string) {
  const record: PidRecord = {
    starter: { pid: process.pid, startedAt: startTimeOf(process.pid) },
    stack: { pid, startedAt: startTimeOf(pid) },
    workDir,
  };
  try {
    mkdirSync(persistDir, { recursive: true });
    writeFileSync(join(persistDir, PID_FILE), `${JSON.stringify(record)}\n`);
  } catch {
    // Only a help for the next start: the watchdog is the main guard.
  }
}

function removePidFile(persistDir: string, pid: number) {
  if (readPidFile(persistDir)?.stack.pid === pid)
    rmSync(join(persistDir, PID_FILE), { force: true });
}

function readPidFile(persistDir: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(persistDir, PID_FILE), "utf8")) as PidRecord;
  } catch {
    return undefined;
  }
}

/**
 * A stack still running on `persistDir` whose starter is gone (its watchdog was killed too,
 * e.g. a `kill -9` of every process) is ended before a new one starts on the same state; its
 * sentence is returned. One whose starter still runs is refused: that is someone's live stack.
 */
export async function endLeftoverStack(persistDir: string): Promise<string | undefined> {
  const record = readPidFile(persistDir);
  if (!record || !sameProcess(record.stack)) return undefined;
  if (sameProcess(record.starter)) {
    throw new Error(
      `a local stack already runs on ${persistDir} (wrangler dev pid ${record.stack.pid}, started by pid ${record.starter.pid}); stop it first`,
    );
  }
  signalGroup(record.stack.pid, "SIGKILL");
  await groupGone(record.stack.pid, 5_000);
  rmSync(join(persistDir, PID_FILE), { force: true });
  // Only a temp dir of ours by its name: the file is not trusted to remove anything else.
  if (record.workDir && basename(record.workDir).startsWith(WORK_DIR_PREFIX))
    rmSync(record.workDir, { recursive: true, force: true });
  return `ended a leftover wrangler dev (pid ${record.stack.pid}) on ${persistDir}: the process that started it is gone`;
}

function sameProcess(process_: { pid: number; startedAt: string | null }): boolean {
  if (!isAlive(process_.pid)) return false;
  // Where start times are known, a different one is another process that got the same pid.
  const now = startTimeOf(process_.pid);
  return process_.startedAt === null || now === null || now === process_.startedAt;
}

/** Start time of `pid` in clock ticks since boot, null where unknown. */
function startTimeOf(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Waits until no process of the group runs (workerd may outlive wrangler by a moment). */
async function groupGone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!groupRuns(pid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

function logTail(file: string, bytes = 6_000): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, "utf8");
    return (size > bytes ? "…" : "") + text.slice(-bytes);
  } catch {
    return "(no log)";
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
