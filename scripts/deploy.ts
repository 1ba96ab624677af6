/**
 * `npm run deploy`: provisions what is missing on the Cloudflare account, applies remote
 * migrations and deploys the services before the gateway. Safe to re-run: every step
 * checks before it creates.
 *
 * Needs: `npx wrangler login` once (or CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID), and
 * ADMIN_TOKEN in the environment (a real secret; the local `dev-admin-token` is refused).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  adminTokenProblem,
  databaseIdOf,
  databaseName,
  devOnlyVarsProblem,
  isPlaceholderId,
  queueNames,
  SERVICES,
  withDatabaseId,
} from "./lib/deploy-plan";
import { ROOT, wrangler, wranglerOrThrow } from "./lib/wrangler";

const OPERATIONS_CONFIG = "workers/operations/wrangler.toml";

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

/** Creates the service's D1 database if missing and writes its id into the service's config. */
function ensureDatabase(
  service: (typeof SERVICES)[number],
  existing: { name: string; uuid: string }[],
) {
  const name = databaseName(service);
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
  const configPath = join(ROOT, "workers", service, "wrangler.toml");
  const config = readFileSync(configPath, "utf8");
  if (databaseIdOf(config) !== uuid) {
    writeFileSync(configPath, withDatabaseId(config, uuid));
    console.log(
      `  workers/${service}/wrangler.toml: database_id set to ${uuid} (commit this change)`,
    );
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

/** Refuses to deploy any config that turns fault injection on. */
function refuseFaults() {
  const files = [
    "wrangler.toml",
    OPERATIONS_CONFIG,
    ...SERVICES.map((s) => `workers/${s}/wrangler.toml`),
  ];
  const problems = files
    .map((file) => devOnlyVarsProblem(readFileSync(join(ROOT, file), "utf8"), file))
    .filter((p): p is string => p !== null);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  }
}

function main() {
  refuseFaults();
  const adminToken = requireAdminToken();
  requireLogin();

  step("D1 databases");
  const existing = JSON.parse(wranglerOrThrow(["d1", "list", "--json"]).stdout) as {
    name: string;
    uuid: string;
  }[];
  for (const service of SERVICES) ensureDatabase(service, existing);

  step("Queues (inboxes and their dead-letter queues)");
  for (const name of queueNames()) ensureQueue(name);

  step("Remote migrations");
  for (const service of SERVICES) {
    const config = readFileSync(join(ROOT, "workers", service, "wrangler.toml"), "utf8");
    if (isPlaceholderId(databaseIdOf(config) ?? ""))
      throw new Error(`workers/${service}: database_id is still a placeholder`);
    wranglerOrThrow(
      [
        "d1",
        "migrations",
        "apply",
        databaseName(service),
        "--remote",
        "-c",
        `workers/${service}/wrangler.toml`,
      ],
      {
        inherit: true,
        input: "y\n",
      },
    );
  }

  // Services first: the gateway's service bindings must point at Workers that exist.
  step("Services");
  for (const service of SERVICES)
    wranglerOrThrow(["deploy", "-c", `workers/${service}/wrangler.toml`], { inherit: true });
  // Then the operations Worker, which reads them, and the gateway, which fronts them all.
  step("Operations");
  wranglerOrThrow(["deploy", "-c", OPERATIONS_CONFIG], { inherit: true });

  step("Gateway (with its ADMIN_TOKEN secret)");
  const secretsDir = mkdtempSync(join(tmpdir(), "edge-saga-secrets-"));
  const secretsFile = join(secretsDir, "secrets.json");
  try {
    writeFileSync(secretsFile, JSON.stringify({ ADMIN_TOKEN: adminToken }));
    chmodSync(secretsFile, 0o600);
    wranglerOrThrow(["deploy", "-c", "wrangler.toml", "--secrets-file", secretsFile], {
      inherit: true,
    });
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
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
