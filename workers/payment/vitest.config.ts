import { buildSync } from "esbuild";
import { serviceTestConfig } from "../../shared/testing/config/service-vitest-config.ts";

/**
 * The payment service against the real card processor sandbox (workers/psp-sandbox), run as an
 * auxiliary Worker its PSP binding reaches: the effects are made over HTTP with their keys, as
 * in `npm run dev`. The pool runs no build step, so the sandbox is bundled here first.
 */
const sandbox = new URL("../psp-sandbox/src/index.ts", import.meta.url).pathname;
// Under node_modules: out of git and of the linter.
const bundle = new URL("../../node_modules/.cache/edge-saga/psp-sandbox.mjs", import.meta.url)
  .pathname;
buildSync({
  entryPoints: [sandbox],
  outfile: bundle,
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  conditions: ["workerd", "worker", "import"],
  external: ["cloudflare:*", "node:*"],
  logLevel: "error",
});

export default serviceTestConfig("payment", import.meta.url, {
  // DB_1: a second shard's database, for the tests that run the service on two shards
  // (shard-routing.test.ts); the others run on one, SHARDS unset, and never read it.
  d1Databases: { DB_1: "payment-shard-1" },
  // Calls that get no answer within this long count as lost (the timeout fault's tests).
  bindings: { PSP_TIMEOUT_MS: "400" },
  workers: [
    {
      name: "edge-saga-psp-sandbox",
      modules: true,
      scriptPath: bundle,
      compatibilityDate: "2026-04-20",
      durableObjects: { PROCESSOR: { className: "Processor", useSQLite: true } },
      bindings: { PSP_SECRET: "sk_test_sandbox", FAULTS_ENABLED: "true", LOG_LEVEL: "warn" },
    },
  ],
});
