import { defineConfig } from "vitest/config";

/**
 * The whole system over HTTP: one local stack (gateway + three services in one `wrangler dev`)
 * started by the global setup, shared by every file, driven only through the gateway's public API.
 */
export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    globalSetup: ["./support/global-setup.ts"],
    // One stack for all files: files run one after another so their checks see a quiet system.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
