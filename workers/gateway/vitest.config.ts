import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { echoService } from "../../shared/testing/config/echo-service.ts";
import { testLogLevel } from "../../shared/testing/config/test-log-level.ts";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildGatewayAssets } from "./build.mjs";

// The assets directory wrangler.toml names must exist; wrangler builds it, the pool does not.
buildGatewayAssets();

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "../../wrangler.toml" },
      miniflare: {
        // LOG_LEVEL: warn unless `LOG_LEVEL` is set (@edge-saga/kit-testing/log-level).
        bindings: { ADMIN_TOKEN: "test-admin-token", LOG_LEVEL: testLogLevel() },
        serviceBindings: {
          ORDER: echoService("order"),
          INVENTORY: echoService("inventory"),
          REWARDS: echoService("rewards"),
          PAYMENT: echoService("payment"),
          VIEW: echoService("view"),
          OPERATIONS: echoService("operations"),
        },
      },
    }),
  ],
  test: {
    name: "gateway",
    include: ["test/**/*.test.ts"],
    silent: "passed-only" as const,
  },
});
