/**
 * `npm run deploy`: provisions what is missing on the Cloudflare account, applies remote
 * migrations and deploys the services before the gateway. Safe to re-run: every step
 * checks before it creates.
 *
 * `npm run deploy -- --psp-url https://<card processor API>`
 *
 * Needs: `npx wrangler login` once (or CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID); in the
 * environment ADMIN_TOKEN (a real secret; the local `dev-admin-token` is refused) and PSP_SECRET
 * (the card processor's secret key); the identity provider customers sign in with, AUTH_ISSUER,
 * AUTH_AUDIENCE and AUTH_JWKS_URL (in the environment or the gateway's [vars]; README
 * "Identity"); and `--psp-url`, the processor's https API base URL. The local dev issuer
 * (AUTH_DEV_ISSUER_KEY) is refused wherever it would switch on. The
 * payment service is deployed from a production copy of its config, with `PSP_URL` set; no
 * deployed config keeps a service binding to the local PSP sandbox (workers/psp-sandbox, never
 * deployed itself): see scripts/lib/deploy-plan.ts.
 *
 * `--shards N` (every service) or `--shards order=4,inventory=2` (those services): the D1
 * databases per stateful service. Shard 0 is the service's database as before; shards 1 .. N-1
 * are `edge-saga-<service>-shard-<i>`, created and migrated here and bound as `DB_1` ... with
 * SHARDS = N in the production copy of the service's config (the committed config stays on one
 * shard). Without `--shards` each service keeps the count deployed (its shard databases on the
 * account); changing a deployed service's count needs `--reshard` (docs/decisions.md).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  adminTokenProblem,
  type DeployOptions,
  databaseIdOf,
  databaseName,
  deployedShards,
  deployOrder,
  devIssuerSecretProblem,
  devIssuerVarProblem,
  devOnlyVarsProblem,
  GATEWAY_CONFIG,
  type IdentityProvider,
  identityProviderOf,
  identityProviderProblems,
  isPlaceholderId,
  isPlaceholderKvId,
  KV_NAMESPACES,
  kvNamespaceIdOf,
  OPERATIONS_CONFIG,
  PAYMENT_CONFIG,
  productionConfig,
  pspSecretProblem,
  pspUrlProblem,
  queueNames,
  reshardProblems,
  SERVICES,
  type ShardPlan,
  secretVarsProblem,
  serviceConfig,
  shardDatabaseName,
  shardPlan,
  withDatabaseId,
  withKvNamespaceId,
  writeDeployConfig,
} from "./lib/deploy-plan";
import { ROOT, wrangler, wranglerOrThrow } from "./lib/wrangler";

const step = (text: string) => console.log(`\n▶ ${text}`);

function requireLogin() {
  const who = wrangler(["whoami"]);
  if (who.status !== 0 || /not authenticated|You are not/i.test(who.stdout + who.stderr)) {
    console.error(
      "Not logged in to Cloudflare. Run `npx wrangler login` once, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID) for CI.",
    );
    process.exit(1);
  }
}

function requireAdminToken(): string {
  const token = process.env.ADMIN_TOKEN;
  const problem = adminTokenProblem(token);
  if (problem) {
    console.error(
      `${problem}. Generate one, e.g. ADMIN_TOKEN=$(openssl rand -hex 32) npm run deploy, and keep it safe.`,
    );
    process.exit(1);
  }
  return token as string;
}

const readArgs = () =>
  parseArgs({
    options: {
      "psp-url": { type: "string" },
      shards: { type: "string" },
      reshard: { type: "boolean", default: false },
    },
  }).values;
/** The command line, read first thing in main (a bad option stops the deploy like any problem). */
let args: ReturnType<typeof readArgs> = { reshard: false };

/** The card processor's URL (`--psp-url`) and secret (`PSP_SECRET`): both, or no deploy. */
function requirePsp(): { url: string; secret: string } {
  const url = args["psp-url"];
  const secret = process.env.PSP_SECRET;
  const problems = [pspUrlProblem(url), pspSecretProblem(secret)].filter(
    (p): p is string => p !== null,
  );
  if (problems.length > 0) {
    for (const problem of problems) console.error(`${problem}.`);
    console.error(
      "The payment service calls the real card processor in production: PSP_SECRET=<its secret key> npm run deploy -- --psp-url https://<its API>",
    );
    process.exit(1);
  }
  return { url: url as string, secret: secret as string };
}

/** Production's identity provider (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL), or no deploy. */
function requireIdentityProvider(): IdentityProvider {
  const settings = identityProviderOf(
    readFileSync(join(ROOT, GATEWAY_CONFIG), "utf8"),
    process.env,
  );
  const problems = identityProviderProblems(settings);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`${problem}.`);
    console.error(
      "Customers sign in with your identity provider (README, Identity), e.g. Cloudflare Access:\n" +
        "  AUTH_ISSUER=https://<team>.cloudflareaccess.com \\\n" +
        "  AUTH_JWKS_URL=https://<team>.cloudflareaccess.com/cdn-cgi/access/certs \\\n" +
        "  AUTH_AUDIENCE=<the Access application's AUD tag> npm run deploy -- ...",
    );
    process.exit(1);
  }
  return settings as IdentityProvider;
}

/**
 * The gateway already deployed must not keep a dev issuer key set earlier by hand: a deploy keeps
 * the secrets it does not upload. Nothing to check when it is not deployed yet.
 */
function refuseRemoteDevIssuer() {
  const list = wrangler(["secret", "list", "-c", GATEWAY_CONFIG, "--format", "json"]);
  if (list.status !== 0) return;
  let names: string[] = [];
  try {
    names = (JSON.parse(list.stdout) as { name: string }[]).map((secret) => secret.name);
  } catch {
    return;
  }
  const problem = devIssuerSecretProblem(names, "the deployed gateway");
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}

/**
 * `wrangler deploy -c config` with `secrets` uploaded with the deployment (a 0600 file in a
 * temporary folder, removed afterwards), so the version never runs without them.
 */
function deployWithSecrets(config: string, secrets: Record<string, string>) {
  const problem = devIssuerSecretProblem(Object.keys(secrets), config);
  if (problem) throw new Error(problem);
  const secretsDir = mkdtempSync(join(tmpdir(), "edge-saga-secrets-"));
  const secretsFile = join(secretsDir, "secrets.json");
  try {
    writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
    chmodSync(secretsFile, 0o600);
    wranglerOrThrow(["deploy", "-c", config, "--secrets-file", secretsFile], { inherit: true });
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
  }
}

/** `--shards` as written, checked before anything is touched (the counts come from the account). */
function requireShardsSyntax() {
  try {
    shardPlan(args.shards, Object.fromEntries(SERVICES.map((s) => [s, 1])) as ShardPlan);
  } catch (error) {
    console.error(`${(error as Error).message}.`);
    process.exit(1);
  }
}

/**
 * Each service's shard count for this deploy: `--shards`, else what is deployed; a change of a
 * deployed service's count only with `--reshard`.
 */
function requireShardPlan(existing: { name: string }[]): ShardPlan {
  const names = existing.map((db) => db.name);
  const deployed = deployedShards(names);
  const plan = shardPlan(args.shards, deployed);
  const problems = reshardProblems(plan, deployed, (s) => names.includes(databaseName(s)));
  if (problems.length > 0 && !args.reshard) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
  return plan;
}

/** The id of the D1 database `name`, created if missing. */
function ensureNamedDatabase(name: string, existing: { name: string; uuid: string }[]): string {
  let uuid = existing.find((db) => db.name === name)?.uuid;
  if (uuid) {
    console.log(`  D1 ${name}: exists (${uuid})`);
  } else {
    wranglerOrThrow(["d1", "create", name]);
    const list = JSON.parse(wranglerOrThrow(["d1", "list", "--json"]).stdout) as {
      name: string;
      uuid: string;
    }[];
    uuid = list.find((db) => db.name === name)?.uuid;
    if (!uuid) throw new Error(`created ${name} but cannot find its id`);
    console.log(`  D1 ${name}: created (${uuid})`);
  }
  return uuid;
}

/**
 * Creates the service's D1 databases if missing: shard 0's id written into the service's config,
 * the other shards' ids returned (they go into its production copy).
 */
function ensureDatabases(
  service: (typeof SERVICES)[number],
  shards: number,
  existing: { name: string; uuid: string }[],
): string[] {
  const uuid = ensureNamedDatabase(databaseName(service), existing);
  const configPath = join(ROOT, serviceConfig(service));
  const config = readFileSync(configPath, "utf8");
  if (databaseIdOf(config) !== uuid) {
    writeFileSync(configPath, withDatabaseId(config, uuid));
    console.log(
      `  workers/${service}/wrangler.toml: database_id set to ${uuid} (commit this change)`,
    );
  }
  return Array.from({ length: shards - 1 }, (_, i) =>
    ensureNamedDatabase(shardDatabaseName(service, i + 1), existing),
  );
}

/** Each KV namespace of KV_NAMESPACES, created if missing, its id written into its config. */
function ensureKvNamespaces() {
  const list = () =>
    JSON.parse(wranglerOrThrow(["kv", "namespace", "list"]).stdout) as {
      id: string;
      title: string;
    }[];
  const existing = list();
  for (const { config, binding, title } of KV_NAMESPACES) {
    let id = existing.find((ns) => ns.title === title)?.id;
    if (id) {
      console.log(`  KV ${title}: exists (${id})`);
    } else {
      wranglerOrThrow(["kv", "namespace", "create", title]);
      id = list().find((ns) => ns.title === title)?.id;
      if (!id) throw new Error(`created KV namespace ${title} but cannot find its id`);
      console.log(`  KV ${title}: created (${id})`);
    }
    const path = join(ROOT, config);
    const toml = readFileSync(path, "utf8");
    if (kvNamespaceIdOf(toml, binding) !== id) {
      writeFileSync(path, withKvNamespaceId(toml, binding, id));
      console.log(`  ${config}: ${binding} id set to ${id} (commit this change)`);
    }
  }
}

function ensureQueue(name: string) {
  if (wrangler(["queues", "info", name]).status === 0) {
    console.log(`  queue ${name}: exists`);
    return;
  }
  wranglerOrThrow(["queues", "create", name]);
  console.log(`  queue ${name}: created`);
}

/**
 * Refuses to deploy any config that turns fault injection on or writes a secret in its vars, or
 * whose production copy cannot be made (scripts/lib/deploy-plan.ts): before anything is touched.
 */
function refuseUnsafeConfigs(options: DeployOptions) {
  const problems = deployOrder()
    .flatMap((file) => {
      const toml = readFileSync(join(ROOT, file), "utf8");
      let copy: string | null = null;
      try {
        productionConfig(file, toml, options);
      } catch (error) {
        copy = `${file}: ${error instanceof Error ? error.message : String(error)}`;
      }
      return [
        devOnlyVarsProblem(toml, file),
        devIssuerVarProblem(toml, file),
        secretVarsProblem(toml, file),
        copy,
      ];
    })
    .filter((p): p is string => p !== null);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
}

/**
 * The file to deploy for each config of `deployOrder()`: the committed config, or its production
 * copy written under `dir` (after the D1 step, so it carries the real database id).
 */
function deployFiles(dir: string, options: DeployOptions) {
  return deployOrder().map((config) => {
    const file = writeDeployConfig(ROOT, config, dir, options);
    const toml = readFileSync(file === config ? join(ROOT, config) : file, "utf8");
    const problem =
      devOnlyVarsProblem(toml, file) ??
      devIssuerVarProblem(toml, file) ??
      secretVarsProblem(toml, file);
    if (problem) throw new Error(problem);
    return { config, file, copied: file === config ? "" : " (production copy of its config)" };
  });
}

function main() {
  args = readArgs();
  const adminToken = requireAdminToken();
  const psp = requirePsp();
  const options: DeployOptions = { pspUrl: psp.url, identity: requireIdentityProvider() };
  requireShardsSyntax();
  refuseUnsafeConfigs(options);
  requireLogin();
  refuseRemoteDevIssuer();

  step("D1 databases");
  const existing = JSON.parse(wranglerOrThrow(["d1", "list", "--json"]).stdout) as {
    name: string;
    uuid: string;
  }[];
  const plan = requireShardPlan(existing);
  const shardIds: DeployOptions["shardIds"] = {};
  for (const service of SERVICES)
    shardIds[service] = ensureDatabases(service, plan[service], existing);
  const sharded = { ...options, shardIds };

  step("KV namespaces");
  ensureKvNamespaces();

  step("Queues (inboxes and their dead-letter queues)");
  for (const name of queueNames()) ensureQueue(name);

  // deployOrder(): the services first (the gateway's and the operations Worker's service
  // bindings must point at Workers that exist), then the operations Worker, which reads them,
  // then the gateway, which fronts them all. Every copy is written before the first deploy.
  const copies = mkdtempSync(join(tmpdir(), "edge-saga-deploy-"));
  try {
    const files = deployFiles(copies, sharded);
    step("Remote migrations (every shard of every service)");
    for (const { config, binding } of KV_NAMESPACES)
      if (
        isPlaceholderKvId(kvNamespaceIdOf(readFileSync(join(ROOT, config), "utf8"), binding) ?? "")
      )
        throw new Error(`${config}: the KV namespace ${binding} still has a placeholder id`);
    for (const service of SERVICES) {
      const config = readFileSync(join(ROOT, serviceConfig(service)), "utf8");
      if (isPlaceholderId(databaseIdOf(config) ?? ""))
        throw new Error(`workers/${service}: database_id is still a placeholder`);
      // The config deployed names every shard's database (a copy when it has more than one).
      const file = files.find((f) => f.config === serviceConfig(service))?.file;
      for (let shard = 0; shard < plan[service]; shard++)
        wranglerOrThrow(
          [
            ...["d1", "migrations", "apply", shardDatabaseName(service, shard), "--remote"],
            ...["-c", file ?? serviceConfig(service)],
          ],
          { inherit: true, input: "y\n" },
        );
    }
    for (const { config, file, copied } of files) {
      if (config === GATEWAY_CONFIG) {
        step(
          `Gateway${copied}, with its ADMIN_TOKEN secret; customers' tokens from ${options.identity.AUTH_ISSUER}`,
        );
        deployWithSecrets(file, { ADMIN_TOKEN: adminToken });
      } else if (config === PAYMENT_CONFIG) {
        step(`Payment${copied}: card processor ${psp.url}, with its PSP_SECRET secret`);
        deployWithSecrets(file, { PSP_SECRET: psp.secret });
      } else {
        step(`${config === OPERATIONS_CONFIG ? "Operations" : config}${copied}`);
        wranglerOrThrow(["deploy", "-c", file], { inherit: true });
      }
    }
  } finally {
    rmSync(copies, { recursive: true, force: true });
  }
  console.log(
    "\nDeployed. The gateway is the only public Worker; the services have no route of their own.",
  );
}

try {
  main();
} catch (error) {
  console.error(`\nDeploy stopped: ${error instanceof Error ? error.message : String(error)}`);
  console.error(
    "Nothing already deployed was rolled back; fix the cause and run `npm run deploy` again.",
  );
  process.exit(1);
}
