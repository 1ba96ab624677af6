import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_TIMEOUT_MS } from "./testing/config/service-vitest-config.ts";
import { testLogLevel } from "./testing/config/test-log-level.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(
    new URL("./test/worker/migrations", import.meta.url).pathname,
  );
  return {
    plugins: [
      cloudflareTest({
        main: "./test/worker/src/index.ts",
        wrangler: { configPath: "./test/worker/wrangler.toml" },
        // Fault injection and bench baselines on for the kit's tests (never in a wrangler.toml);
        // tests of the disabled path turn faults off per call. LOG_LEVEL: quiet unless asked.
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            LOG_LEVEL: testLogLevel(),
            FAULTS_ENABLED: "true",
            BENCH_BASELINES_ENABLED: "true",
          },
        },
      }),
    ],
    test: {
      name: "shared",
      // Structured event logs are noise on green runs; they still show for failing tests.
      silent: "passed-only" as const,
      include: ["test/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      // One runtime per vitest worker for all its files, not one per file (its start was most
      // of the unit tests' time); apply-migrations.ts empties the tables before each file.
      isolate: false,
      testTimeout: TEST_TIMEOUT_MS,
    },
  };
});
