import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { testLogLevel } from "../../shared/testing/config/test-log-level.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // Faults on for the fault tests (a plan arms them; none is set elsewhere); LOG_LEVEL
        // warn unless `LOG_LEVEL` is set (@edge-saga/kit-testing/log-level).
        bindings: { FAULTS_ENABLED: "true", LOG_LEVEL: testLogLevel() },
      },
    }),
  ],
  test: {
    name: "psp-sandbox",
    include: ["test/**/*.test.ts"],
    silent: "passed-only" as const,
  },
});
