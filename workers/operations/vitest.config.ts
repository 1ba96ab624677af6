import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { echoService } from "../../shared/testing/config/echo-service.ts";
import { testLogLevel } from "../../shared/testing/config/test-log-level.ts";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildDashboard } from "./build.mjs";

// The Worker imports the dashboard's bundle (public/dashboard.js.txt): wrangler builds it
// before bundling (wrangler.toml [build]), the pool does not.
buildDashboard();

/** The operations Worker over stand-in services; tests replace one where they need its answers. */
export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        // LOG_LEVEL: warn unless `LOG_LEVEL` is set (@edge-saga/kit-testing/log-level).
        bindings: { LOG_LEVEL: testLogLevel() },
        serviceBindings: {
          ORDER: echoService("order"),
          INVENTORY: echoService("inventory"),
          REWARDS: echoService("rewards"),
          PAYMENT: echoService("payment"),
          VIEW: echoService("view"),
          PSP: echoService("psp"),
        },
      },
    }),
  ],
  test: {
    name: "operations",
    include: ["test/**/*.test.ts"],
    silent: "passed-only" as const,
  },
});
