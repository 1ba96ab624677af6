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
        // LOG_LEVEL: warn unless `LOG_LEVEL` is set (scripts/lib/test-log-level.ts).
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, LOG_LEVEL: testLogLevel() } },
      }),
    ],
    test: {
      name: "view",
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      silent: "passed-only" as const,
    },
  };
});
