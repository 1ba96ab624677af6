import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_TIMEOUT_MS } from "./testing/config/service-vitest-config.ts";
import { testLogLevel } from "./testing/config/test-log-level.ts";

/** The kit's shard tests: a defineService worker on two D1 databases (test/sharded-worker). */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(
    new URL("./test/worker/migrations", import.meta.url).pathname,
  );
  return {
    plugins: [
      cloudflareTest({
        main: "./test/sharded-worker/src/index.ts",
        wrangler: { configPath: "./test/sharded-worker/wrangler.toml" },
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, LOG_LEVEL: testLogLevel() } },
      }),
    ],
    test: {
      name: "shared-sharded",
      silent: "passed-only" as const,
      include: ["test/sharded/**/*.test.ts"],
      setupFiles: ["./test/sharded/apply-migrations.ts"],
      testTimeout: TEST_TIMEOUT_MS,
    },
  };
});
