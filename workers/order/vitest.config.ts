import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { testLogLevel } from "../../scripts/lib/test-log-level.ts";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(new URL("./migrations", import.meta.url).pathname);
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // LOG_LEVEL: warn unless `LOG_LEVEL` is set (scripts/lib/test-log-level.ts).
          bindings: { TEST_MIGRATIONS: migrations, LOG_LEVEL: testLogLevel() },
          // Lets tests send to this service's own inbox through the real local queue.
          queueProducers: { INBOX_UNDER_TEST: { queueName: "order-inbox" } },
          // An empty database to apply the migrations to step by step (migration.test.ts).
          d1Databases: { MIGRATION_DB: "migration-under-test" },
        },
      }),
    ],
    test: {
      name: "order",
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      silent: "passed-only" as const,
    },
  };
});
