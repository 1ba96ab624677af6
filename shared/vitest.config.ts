import { kitTestConfig } from "./testing/config/kit-vitest-config.ts";

export default kitTestConfig({
  name: "shared",
  worker: "worker",
  include: ["test/*.test.ts"],
  setupFile: "./test/apply-migrations.ts",
  // Fault injection and bench baselines on for the kit's tests (never in a wrangler.toml);
  // tests of the disabled path turn faults off per call. LOG_LEVEL: quiet unless asked.
  bindings: { FAULTS_ENABLED: "true", BENCH_BASELINES_ENABLED: "true" },
  // One runtime per vitest worker for all its files, not one per file (its start was most
  // of the unit tests' time); apply-migrations.ts empties the tables before each file.
  isolate: false,
});
