import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import {
  adminTokenProblem,
  DEV_ISSUER,
  databaseIdOf,
  deployedShards,
  deployOrder,
  devIssuerSecretProblem,
  devIssuerVarProblem,
  devOnlyVarsProblem,
  GATEWAY_CONFIG,
  identityProviderOf,
  identityProviderProblems,
  isPlaceholderId,
  isPlaceholderKvId,
  KV_NAMESPACES,
  kvNamespaceIdOf,
  NEVER_DEPLOYED,
  NEVER_DEPLOYED_WORKERS,
  OPERATIONS_CONFIG,
  PAYMENT_CONFIG,
  parseConfig,
  productionConfig,
  pspSecretProblem,
  pspUrlProblem,
  queueNames,
  reshardProblems,
  SERVICES,
  secretVarsProblem,
  shardDatabaseName,
  shardPlan,
  withDatabaseId,
  withKvNamespaceId,
  withoutNeverDeployedBindings,
  withPspUrl,
  writeDeployConfig,
} from "../lib/deploy-plan";
import { ROOT, WORKERS, wrangler } from "../lib/wrangler";

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
/** A check of a config's text (`file` names it in what it says): what is wrong, or null. */
type ConfigCheck = (toml: string, file: string) => string | null;
/** `check` says something matching `says` of each of `tomls`, read as the file `file`. */
function expectEachRefused(check: ConfigCheck, tomls: string[], file: string, says: RegExp) {
  for (const toml of tomls) expect(check(toml, file)).toMatch(says);
}
/** `check` has nothing to say of any config that deploy deploys. */
function expectNoDeployedConfigRefused(check: ConfigCheck) {
  for (const file of deployOrder()) expect(check(read(file), file)).toBeNull();
}
/** wrangler's own reading of a config file: what it would deploy. */
const wranglerReads = (file: string) =>
  experimental_readRawConfig({ config: resolve(ROOT, file) }).rawConfig;
const URL_ = "https://api.processor.example";
/** Cloudflare Access as the identity provider (README, Identity). */
const IDENTITY = {
  AUTH_ISSUER: "https://shop.cloudflareaccess.com",
  AUTH_AUDIENCE: "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2",
  AUTH_JWKS_URL: "https://shop.cloudflareaccess.com/cdn-cgi/access/certs",
};
const OPTIONS = { pspUrl: URL_, identity: IDENTITY };

/**
 * `npm run deploy` with `args`, as an operator with an admin token and the identity provider
 * set, and `env` on top: its exit status and all it printed. Never reaches an account.
 */
function runDeploy(args: string[], env: Record<string, string | undefined>) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(ROOT, "scripts/deploy.ts"), ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: {
        ...process.env,
        ADMIN_TOKEN: "3f9a1c0d5e7b2a4c6d8e0f1a3b5c7d9e",
        // Never reach an account from a test, whatever happens.
        CLOUDFLARE_API_TOKEN: "invalid",
        CLOUDFLARE_ACCOUNT_ID: "invalid",
        ...IDENTITY,
        ...env,
      },
    },
  );
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("deploy plan", () => {
  it("refuses admin tokens that are missing, the local default, short or padded", () => {
    expect(adminTokenProblem(undefined)).toMatch(/not set/);
    expect(adminTokenProblem("dev-admin-token")).toMatch(/local development/);
    expect(adminTokenProblem("short")).toMatch(/24 characters/);
    expect(adminTokenProblem(`${"a".repeat(30)} b`)).toMatch(/whitespace/);
    expect(adminTokenProblem("3f9a1c0d5e7b2a4c6d8e0f1a3b5c7d9e")).toBeNull();
  });

  it("creates an inbox and a dead-letter queue for every service, matching the service configs", () => {
    expect(queueNames()).toEqual([
      "payment-inbox",
      "payment-inbox-dlq",
      "order-inbox",
      "order-inbox-dlq",
      "inventory-inbox",
      "inventory-inbox-dlq",
      "rewards-inbox",
      "rewards-inbox-dlq",
      "view-inbox",
      "view-inbox-dlq",
    ]);
    for (const service of ["payment", "order", "inventory", "rewards", "view"]) {
      const toml = readFileSync(
        new URL(`../../workers/${service}/wrangler.toml`, import.meta.url),
        "utf8",
      );
      expect(toml).toContain(`queue = "${service}-inbox"`);
      expect(toml).toContain(`dead_letter_queue = "${service}-inbox-dlq"`);
    }
  });

  it("rewrites only the database id of a config", () => {
    const toml = readFileSync(
      new URL("../../workers/order/wrangler.toml", import.meta.url),
      "utf8",
    );
    const id = databaseIdOf(toml) as string;
    expect(isPlaceholderId(id)).toBe(true);
    const updated = withDatabaseId(toml, "9d2c7e3a-1111-4a2b-8c3d-123456789abc");
    expect(databaseIdOf(updated)).toBe("9d2c7e3a-1111-4a2b-8c3d-123456789abc");
    expect(isPlaceholderId("9d2c7e3a-1111-4a2b-8c3d-123456789abc")).toBe(false);
    expect(updated.replace("9d2c7e3a-1111-4a2b-8c3d-123456789abc", id)).toBe(toml);
  });

  it("creates the view's KV namespace and rewrites only its id in the view's config", () => {
    for (const { config, binding, title } of KV_NAMESPACES) {
      const toml = read(config);
      const id = kvNamespaceIdOf(toml, binding) as string;
      expect(isPlaceholderKvId(id), config).toBe(true);
      expect(title).toMatch(/^edge-saga-/);
      const real = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
      const updated = withKvNamespaceId(toml, binding, real);
      expect(kvNamespaceIdOf(updated, binding)).toBe(real);
      expect(isPlaceholderKvId(real)).toBe(false);
      expect(updated.replace(real, id)).toBe(toml);
      // What wrangler deploys: the binding, with the id the deploy wrote.
      expect(wranglerReads(config).kv_namespaces).toEqual([{ binding, id }]);
    }
    expect(KV_NAMESPACES.map((ns) => ns.binding)).toEqual(["CUSTOMER_ORDERS_KV"]);
  });

  it("keeps the internal services private and the whole system observable", () => {
    for (const service of ["order", "inventory", "rewards", "payment"]) {
      const toml = readFileSync(
        new URL(`../../workers/${service}/wrangler.toml`, import.meta.url),
        "utf8",
      );
      expect(toml).toMatch(/^workers_dev = false$/m);
      expect(toml).not.toMatch(/^routes?\s*=/m);
      expect(toml).toMatch(/\[observability\]\nenabled = true/);
      // Workers' automatic tracing, beside the logs that carry each saga's trace id.
      expect(toml).toMatch(/\[observability\.traces\]\nenabled = true/);
      expect(toml).toMatch(/crons = \["\* \* \* \* \*"\]/);
    }
    expect(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8")).toMatch(
      /\[observability\]\nenabled = true/,
    );
  });

  it("refuses to deploy a config that defines FAULTS_ENABLED or BENCH_BASELINES_ENABLED, and no committed config does", () => {
    expectEachRefused(
      devOnlyVarsProblem,
      [
        '[vars]\nFAULTS_ENABLED = "true"\n',
        'vars = { FAULTS_ENABLED = "false" }\n',
        '[env.staging.vars]\n  FAULTS_ENABLED = "true"\n',
      ],
      "x.toml",
      /x\.toml defines FAULTS_ENABLED/,
    );
    expect(
      devOnlyVarsProblem('# FAULTS_ENABLED is set by local-stack only\nname = "x"\n', "x"),
    ).toBeNull();
    expect(devOnlyVarsProblem('[vars]\nBENCH_BASELINES_ENABLED = "true"\n', "y.toml")).toMatch(
      /y\.toml defines BENCH_BASELINES_ENABLED: the unsafe benchmark baselines/,
    );
    expectNoDeployedConfigRefused(devOnlyVarsProblem);
  });

  it("refuses to deploy a config that sets PSP_SECRET (or ADMIN_TOKEN) in its vars, and no deployed config does", () => {
    expectEachRefused(
      secretVarsProblem,
      [
        '[vars]\nPSP_SECRET = "sk_live_x"\n',
        'vars = { LOG_LEVEL = "info", PSP_SECRET = "sk_live_x" }\n',
        '[env.production.vars]\n  "PSP_SECRET" = "sk_live_x"\n',
      ],
      "x.toml",
      /x\.toml sets PSP_SECRET in its vars/,
    );
    expect(secretVarsProblem('[vars]\nADMIN_TOKEN="t"\n', "g.toml")).toMatch(/ADMIN_TOKEN/);
    // Named in a comment or as a required secret's name: nothing is set.
    expect(secretVarsProblem("# the secret PSP_SECRET (wrangler secret put)\n", "c")).toBeNull();
    expect(secretVarsProblem('[secrets]\nrequired = ["PSP_SECRET"]\n', "c")).toBeNull();
    // The sandbox sets its test secret in its vars: what the check catches, and why the
    // sandbox is never deployed.
    expect(
      secretVarsProblem(read("workers/psp-sandbox/wrangler.toml"), "workers/psp-sandbox"),
    ).toMatch(/PSP_SECRET/);
    expectNoDeployedConfigRefused(secretVarsProblem);
  });
});

describe("deploy plan: customers' identity", () => {
  it("refuses a config that switches the dev issuer on, and no deployed config does", () => {
    expectEachRefused(
      devIssuerVarProblem,
      [
        '[vars]\nAUTH_DEV_ISSUER_KEY = "{}"\n',
        'vars = { LOG_LEVEL = "info", AUTH_DEV_ISSUER_KEY = "{}" }\n',
        '[env.production.vars]\n  AUTH_DEV_ISSUER_KEY = "{}"\n',
      ],
      "g.toml",
      /g\.toml sets AUTH_DEV_ISSUER_KEY/,
    );
    expect(devIssuerVarProblem("# AUTH_DEV_ISSUER_KEY: local stacks only\n", "g")).toBeNull();
    expectNoDeployedConfigRefused(devIssuerVarProblem);
  });

  it("refuses the dev issuer's key among the secrets uploaded or already set", () => {
    expect(devIssuerSecretProblem(["ADMIN_TOKEN", "AUTH_DEV_ISSUER_KEY"], "gateway")).toMatch(
      /gateway has the secret AUTH_DEV_ISSUER_KEY.*wrangler secret delete/,
    );
    expect(devIssuerSecretProblem(["ADMIN_TOKEN"], "gateway")).toBeNull();
  });

  it("takes the identity provider from the environment, else the gateway's vars, and refuses it incomplete or local", () => {
    const gateway = '[vars]\nAUTH_AUDIENCE = "edge-saga-api"\nAUTH_ISSUER = "https://a.example"\n';
    expect(identityProviderOf(gateway, { AUTH_ISSUER: "https://b.example" })).toEqual({
      AUTH_ISSUER: "https://b.example",
      AUTH_AUDIENCE: "edge-saga-api",
    });
    expect(identityProviderOf(gateway, {})).not.toHaveProperty("AUTH_JWKS_URL");
    expect(identityProviderProblems(identityProviderOf(gateway, {}))).toEqual([
      "AUTH_JWKS_URL is not set (the gateway verifies customers' tokens with it)",
    ]);
    expect(identityProviderProblems({})).toHaveLength(3);
    expect(identityProviderProblems(IDENTITY)).toEqual([]);
    const problems = (change: object) => identityProviderProblems({ ...IDENTITY, ...change });
    expect(problems({ AUTH_ISSUER: DEV_ISSUER })).toEqual([
      `AUTH_ISSUER is the local dev issuer (${DEV_ISSUER})`,
    ]);
    expect(problems({ AUTH_JWKS_URL: "http://idp.example/jwks" })).toEqual([
      "AUTH_JWKS_URL http://idp.example/jwks is not https",
    ]);
    expect(problems({ AUTH_JWKS_URL: "https://127.0.0.1:8787/.well-known/jwks.json" })[0]).toMatch(
      /this machine/,
    );
    expect(problems({ AUTH_JWKS_URL: "jwks" })[0]).toMatch(/not a URL/);
  });

  it("deploys the gateway from a copy with the identity provider's settings, nothing else changed", () => {
    const committed = read(GATEWAY_CONFIG);
    const copy = productionConfig(GATEWAY_CONFIG, committed, OPTIONS);
    const { vars, ...rest } = parseConfig(committed);
    expect(copy).toEqual({ ...rest, vars: { ...vars, ...IDENTITY } });
    expect(() =>
      productionConfig(GATEWAY_CONFIG, committed, {
        pspUrl: URL_,
        identity: { ...IDENTITY, AUTH_ISSUER: DEV_ISSUER },
      }),
    ).toThrow(/dev issuer/);
  });
});

describe("deploy plan: the payment service and its card processor", () => {
  it("deploys every service, payment before the order service that waits for it, then operations, then the gateway", () => {
    const order = deployOrder();
    expect(order).toEqual([
      "workers/payment/wrangler.toml",
      "workers/order/wrangler.toml",
      "workers/inventory/wrangler.toml",
      "workers/rewards/wrangler.toml",
      "workers/view/wrangler.toml",
      "workers/operations/wrangler.toml",
      "wrangler.toml",
    ]);
    expect(SERVICES).toContain("payment");
    // As deployed, every service binding points at a Worker deployed before it.
    const dir = mkdtempSync(join(tmpdir(), "edge-saga-deploy-plan-"));
    try {
      const deployed = order.map((config) =>
        wranglerReads(writeDeployConfig(ROOT, config, dir, OPTIONS)),
      );
      for (const [i, config] of deployed.entries()) {
        const before = deployed.slice(0, i).map((c) => c.name);
        for (const { service } of config.services ?? [])
          expect(before, `${order[i]} binds ${service}`).toContain(service);
      }
      expect(deployed.find((c) => c.name === "edge-saga-gateway")?.services).toContainEqual({
        binding: "PAYMENT",
        service: "edge-saga-payment",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never deploys the PSP sandbox, nor a binding to it, and deploys every other Worker of the repo", () => {
    expect(NEVER_DEPLOYED).toEqual(["workers/psp-sandbox/wrangler.toml"]);
    expect(NEVER_DEPLOYED_WORKERS).toEqual([wranglerReads(NEVER_DEPLOYED[0]).name]);
    const order = deployOrder();
    expect(order.filter((c) => /psp-sandbox/.test(c))).toEqual([]);
    expect(order.map((c) => wranglerReads(c).name)).not.toContain("edge-saga-psp-sandbox");
    const all = readdirSync(join(ROOT, "workers"))
      .map((dir) => `workers/${dir}/wrangler.toml`)
      .filter((config) => existsSync(join(ROOT, config)));
    expect(all).toContain("workers/psp-sandbox/wrangler.toml");
    for (const config of all)
      if (!(NEVER_DEPLOYED as readonly string[]).includes(config)) expect(order).toContain(config);
    // No config as deployed reaches the sandbox (the committed payment config does, locally).
    expect(read(PAYMENT_CONFIG)).toMatch(/service = "edge-saga-psp-sandbox"/);
    for (const config of order)
      expect(JSON.stringify(productionConfig(config, read(config), OPTIONS))).not.toMatch(
        /edge-saga-psp-sandbox/,
      );
    expect(() => writeDeployConfig(ROOT, NEVER_DEPLOYED[0], tmpdir(), OPTIONS)).toThrow(
      /never deployed/,
    );
    // check:bundles still bundles it, marked as never deployed.
    expect(WORKERS.filter((w) => w.neverDeployed).map((w) => w.config)).toEqual([
      ...NEVER_DEPLOYED,
    ]);
  });

  it("deploys payment from a copy without the sandbox binding and with PSP_URL, the rest as committed", () => {
    const committed = read(PAYMENT_CONFIG);
    expect(committed).toMatch(/binding = "PSP"/);
    const copy = productionConfig(PAYMENT_CONFIG, committed, OPTIONS);
    expect(copy.services).toBeUndefined();
    expect(JSON.stringify(copy)).not.toMatch(/edge-saga-psp-sandbox/);
    // Only the binding and PSP_URL differ from the committed config.
    const { services, vars, ...rest } = parseConfig(committed);
    expect(services).toEqual([{ binding: "PSP", service: "edge-saga-psp-sandbox" }]);
    expect(copy).toEqual({ ...rest, vars: { ...vars, PSP_URL: URL_ } });

    // As wrangler reads the copy written for deploy: same Worker, no PSP binding, PSP_URL set.
    const dir = mkdtempSync(join(tmpdir(), "edge-saga-deploy-plan-"));
    try {
      const file = writeDeployConfig(ROOT, PAYMENT_CONFIG, dir, OPTIONS);
      expect(file.startsWith(dir)).toBe(true);
      const deployed = wranglerReads(file);
      const original = wranglerReads(join(ROOT, PAYMENT_CONFIG));
      expect(deployed.services ?? []).toEqual([]);
      expect(original.services).toEqual([{ binding: "PSP", service: "edge-saga-psp-sandbox" }]);
      expect(deployed.vars).toEqual({ ...original.vars, PSP_URL: URL_ });
      expect(deployed.vars).not.toHaveProperty("PSP_SECRET");
      expect(deployed.main).toBe(join(ROOT, "workers/payment/src/index.ts"));
      expect(deployed.d1_databases).toEqual(
        original.d1_databases?.map((d: object) => ({
          ...d,
          migrations_dir: join(ROOT, "workers/payment/migrations"),
        })),
      );
      for (const key of [
        "name",
        "compatibility_date",
        "workers_dev",
        "observability",
        "triggers",
        "durable_objects",
        "migrations",
        "queues",
      ] as const)
        expect(deployed[key], key).toEqual(original[key]);
      // A config with nothing to change is deployed as committed.
      expect(writeDeployConfig(ROOT, "workers/order/wrangler.toml", dir, OPTIONS)).toBe(
        "workers/order/wrangler.toml",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removes only service bindings to the sandbox and sets PSP_URL only for payment", () => {
    const toml = [
      "[vars]",
      'PSP_URL = ""',
      "",
      "# To the sandbox.",
      "[[services]]",
      'binding = "PSP"',
      'service = "edge-saga-psp-sandbox"',
      "",
      "[[services]]",
      'binding = "OTHER"',
      'service = "edge-saga-other"',
      "",
      "[[services]]",
      'binding = "LEDGER"',
      'service = "edge-saga-psp-sandbox"',
      "",
    ].join("\n");
    const without = {
      vars: { PSP_URL: "" },
      services: [{ binding: "OTHER", service: "edge-saga-other" }],
    };
    expect(withoutNeverDeployedBindings(parseConfig(toml))).toEqual(without);
    expect(productionConfig(OPERATIONS_CONFIG, toml, OPTIONS)).toEqual(without);
    expect(productionConfig(PAYMENT_CONFIG, toml, OPTIONS)).toEqual({
      ...without,
      vars: { PSP_URL: URL_ },
    });
    // Only sandbox bindings: no [[services]] left at all.
    expect(
      withoutNeverDeployedBindings(
        parseConfig('[[services]]\nbinding = "P"\nservice = "edge-saga-psp-sandbox"\n'),
      ),
    ).toEqual({});
    expect(withPspUrl(parseConfig('name = "x"\n[vars]\nA = "1"\n'), URL_)).toEqual({
      name: "x",
      vars: { A: "1", PSP_URL: URL_ },
    });
    expect(() => withPspUrl(parseConfig('name = "x"\n'), URL_)).toThrow(/\[vars\]/);
    expect(() => withPspUrl(parseConfig("[vars]\n"), "http://p.example")).toThrow(/not https/);
    // Still naming the sandbox outside a service binding: refused.
    expect(() =>
      withoutNeverDeployedBindings(
        parseConfig('[vars]\nLEDGER_WORKER = "edge-saga-psp-sandbox"\n'),
      ),
    ).toThrow(/still reaches edge-saga-psp-sandbox/);
  });

  it("check:bundles dry-runs the operations Worker without its sandbox binding, if it has one", () => {
    const committed = read(OPERATIONS_CONFIG);
    const deployed = productionConfig(OPERATIONS_CONFIG, committed, OPTIONS);
    expect(JSON.stringify(deployed)).not.toMatch(/PSP_URL|edge-saga-psp-sandbox/);
    if (!/edge-saga-psp-sandbox/.test(committed)) expect(deployed).toEqual(parseConfig(committed));
  });

  it("refuses a missing or non-https --psp-url and a missing or sandbox PSP_SECRET", () => {
    expect(pspUrlProblem(undefined)).toMatch(/--psp-url is required/);
    expect(pspUrlProblem("")).toMatch(/--psp-url is required/);
    expect(pspUrlProblem("http://api.processor.example")).toMatch(/not https/);
    expect(pspUrlProblem("api.processor.example")).toMatch(/not a URL/);
    expect(pspUrlProblem("https://user:pw@api.processor.example")).toMatch(/credentials/);
    expect(pspUrlProblem("https://api.processor.example")).toBeNull();
    expect(pspSecretProblem(undefined)).toMatch(/PSP_SECRET is not set/);
    expect(pspSecretProblem("")).toMatch(/PSP_SECRET is not set/);
    expect(pspSecretProblem("sk_test_sandbox")).toMatch(/sandbox/);
    expect(pspSecretProblem("sk_live 1")).toMatch(/whitespace/);
    expect(pspSecretProblem("sk_live_51HxYz")).toBeNull();
  });

  it("npm run deploy stops before touching the account without --psp-url, PSP_SECRET or the identity provider", () => {
    const noUrl = runDeploy([], { PSP_SECRET: "sk_live_51HxYz" });
    expect(noUrl.status).toBe(1);
    expect(noUrl.out).toMatch(/--psp-url is required/);
    const http = runDeploy(["--psp-url", "http://api.processor.example"], {
      PSP_SECRET: "sk_live_51HxYz",
    });
    expect(http.status).toBe(1);
    expect(http.out).toMatch(/not https/);
    const noSecret = runDeploy(["--psp-url", "https://api.processor.example"], {
      PSP_SECRET: undefined,
    });
    expect(noSecret.status).toBe(1);
    expect(noSecret.out).toMatch(/PSP_SECRET is not set/);
    expect(noSecret.out).not.toMatch(/--psp-url is required|not https/);
    const noIdentity = runDeploy(["--psp-url", "https://api.processor.example"], {
      PSP_SECRET: "sk_live_51HxYz",
      AUTH_ISSUER: undefined,
      AUTH_JWKS_URL: undefined,
    });
    expect(noIdentity.status).toBe(1);
    expect(noIdentity.out).toMatch(/AUTH_ISSUER is not set/);
    expect(noIdentity.out).toMatch(/AUTH_JWKS_URL is not set/);
    expect(noIdentity.out).toMatch(/cloudflareaccess\.com\/cdn-cgi\/access\/certs/);
    for (const run of [noUrl, http, noSecret, noIdentity]) {
      expect(run.out).not.toMatch(/Not logged in|D1 databases|wrangler/);
    }
  }, 120_000);
});

describe("deploy plan: N shards per service", () => {
  const ONE = { payment: 1, order: 1, inventory: 1, rewards: 1, view: 1 };

  it("names shard 0 as the service's database before shards, and shard i after it", () => {
    expect(shardDatabaseName("order", 0)).toBe("edge-saga-order");
    expect(shardDatabaseName("order", 3)).toBe("edge-saga-order-shard-3");
  });

  it("takes --shards N for every service or service=N for some; the others keep what they have", () => {
    expect(shardPlan(undefined, { ...ONE, order: 4 })).toEqual({ ...ONE, order: 4 });
    expect(shardPlan("4", ONE)).toEqual({
      payment: 4,
      order: 4,
      inventory: 4,
      rewards: 4,
      view: 4,
    });
    expect(shardPlan("order=4, inventory=2", ONE)).toEqual({ ...ONE, order: 4, inventory: 2 });
    expect(() => shardPlan("0", ONE)).toThrow(/--shards must be a whole number from 1 to 256/);
    expect(() => shardPlan("257", ONE)).toThrow(/from 1 to 256/);
    expect(() => shardPlan("order=x", ONE)).toThrow(/--shards order must be a whole number/);
    expect(() => shardPlan("gateway=2", ONE)).toThrow(/"gateway=2" is not <service>=<N>/);
  });

  it("reads the deployed count from the account's databases, and refuses to change it without --reshard", () => {
    const names = [
      "edge-saga-order",
      "edge-saga-order-shard-1",
      "edge-saga-order-shard-2",
      "edge-saga-inventory",
      // A gap: shard 2 of inventory alone does not make three.
      "edge-saga-inventory-shard-2",
      "someone-elses-db",
    ];
    const deployed = deployedShards(names);
    expect(deployed).toEqual({ ...ONE, order: 3 });
    const isDeployed = (s: string) => names.includes(`edge-saga-${s}`);
    // Re-running without --shards changes nothing.
    expect(reshardProblems(shardPlan(undefined, deployed), deployed, isDeployed)).toEqual([]);
    // A service not deployed yet may start on any count; a deployed one may not change.
    const problems = reshardProblems(shardPlan("4", deployed), deployed, isDeployed);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^order runs on 3 shards, --shards asks 4: .*--reshard/);
    expect(problems[1]).toMatch(/^inventory runs on 1 shard, --shards asks 4/);
  });

  it("deploys a sharded service from a copy binding DB_1 .. DB_{N-1} beside DB, same migrations, with SHARDS; it still bundles", () => {
    const ids = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"];
    const dir = mkdtempSync(join(tmpdir(), "edge-saga-deploy-plan-"));
    try {
      const config = "workers/order/wrangler.toml";
      const file = writeDeployConfig(ROOT, config, dir, { ...OPTIONS, shardIds: { order: ids } });
      expect(file.startsWith(dir)).toBe(true);
      const deployed = wranglerReads(file);
      const original = wranglerReads(join(ROOT, config));
      const migrations = join(ROOT, "workers/order/migrations");
      expect(deployed.d1_databases).toEqual([
        { ...original.d1_databases?.[0], migrations_dir: migrations },
        ...ids.map((id, i) => ({
          binding: `DB_${i + 1}`,
          database_name: `edge-saga-order-shard-${i + 1}`,
          database_id: id,
          migrations_dir: migrations,
        })),
      ]);
      expect(deployed.vars).toEqual({ ...original.vars, SHARDS: "3" });
      for (const key of ["name", "triggers", "durable_objects", "migrations", "queues"] as const)
        expect(deployed[key], key).toEqual(original[key]);
      // Another service, or none given: as committed.
      expect(writeDeployConfig(ROOT, "workers/inventory/wrangler.toml", dir, OPTIONS)).toBe(
        "workers/inventory/wrangler.toml",
      );
      // What check:bundles runs, on the sharded copy.
      const bundle = wrangler(["deploy", "--dry-run", "--outdir", join(dir, "out"), "-c", file]);
      expect(bundle.status, `${bundle.stdout}${bundle.stderr}`).toBe(0);
      expect(bundle.stdout).toMatch(/env\.DB_2 \(edge-saga-order-shard-2\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("npm run deploy refuses a bad --shards before touching the account", () => {
    for (const [value, message] of [
      ["0", /--shards must be a whole number from 1 to 256, got "0"/],
      ["order=2,gateway=2", /"gateway=2" is not <service>=<N>/],
    ] as const) {
      const { status, out } = runDeploy(
        ["--psp-url", "https://api.processor.example", "--shards", value],
        { PSP_SECRET: "sk_live_51HxYz" },
      );
      expect(status, out).toBe(1);
      expect(out).toMatch(message);
      expect(out).not.toMatch(/Not logged in|D1 databases/);
    }
  }, 120_000);
});
