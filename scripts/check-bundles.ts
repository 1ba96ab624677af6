/**
 * CI check: every Worker bundles for deployment (`wrangler deploy --dry-run`) and its
 * committed `Env` types are what `wrangler types` would generate from its config now. The dry
 * run is of the config `npm run deploy` deploys (a production copy where deploy makes one: no
 * binding to the PSP sandbox, payment with a stand-in PSP_URL); the types are of the committed
 * config. The PSP sandbox is checked too, as committed, though never deployed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDeployConfig } from "./lib/deploy-plan";
import { ROOT, WORKERS, wrangler } from "./lib/wrangler";

/** Only bundled, never called: the real processor's URL is given to `npm run deploy`. */
const CHECK_PSP_URL = "https://psp.example.invalid";
/** Likewise the identity provider's settings (README "Identity"). */
const CHECK_IDENTITY = {
  AUTH_ISSUER: "https://idp.example.invalid",
  AUTH_AUDIENCE: "edge-saga-api",
  AUTH_JWKS_URL: "https://idp.example.invalid/jwks.json",
};

/** Only bench code (shared/bench) names its counters so: a production bundle never holds it. */
const BENCH_MARKER = "edge-saga.bench.";
const bundlesBenchCode = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".js"))
    .some((file) => readFileSync(join(dir, file), "utf8").includes(BENCH_MARKER));

const outRoot = mkdtempSync(join(tmpdir(), "edge-saga-bundles-"));
const failures: string[] = [];
try {
  for (const worker of WORKERS) {
    // What `npm run deploy` deploys; a Worker never deployed, as it is run locally.
    const deployed = worker.neverDeployed
      ? worker.config
      : writeDeployConfig(ROOT, worker.config, join(outRoot, "configs"), {
          pspUrl: CHECK_PSP_URL,
          identity: CHECK_IDENTITY,
        });
    const bundle = wrangler([
      "deploy",
      "--dry-run",
      "--outdir",
      join(outRoot, worker.name),
      "-c",
      deployed,
    ]);
    if (bundle.status !== 0)
      failures.push(`${worker.name}: does not bundle\n${bundle.stdout}${bundle.stderr}`);
    else if (bundlesBenchCode(join(outRoot, worker.name)))
      failures.push(`${worker.name}: its production bundle holds bench code (shared/bench)`);
    // Vars typed as string, not as the literal in wrangler.toml: LOG_LEVEL differs per deploy and test.
    const generate = ["types", worker.types, "--include-runtime=false", "--strict-vars=false"];
    const types = wrangler([...generate, "--check", "-c", worker.config]);
    if (types.status !== 0) {
      failures.push(
        `${worker.name}: ${worker.types} is out of date; run: npx wrangler ${generate.join(" ")} -c ${worker.config}\n${types.stdout}${types.stderr}`,
      );
    }
    const what = [
      deployed === worker.config ? "" : "production config",
      worker.neverDeployed ? "never deployed" : "",
    ].filter(Boolean);
    console.log(
      `${worker.name}${what.length > 0 ? ` (${what.join(", ")})` : ""}: ${bundle.status === 0 ? "bundles" : "BUNDLE FAILED"}, types ${types.status === 0 ? "current" : "STALE"}`,
    );
  }
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(failures.join("\n\n"));
  process.exit(1);
}
