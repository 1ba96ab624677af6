import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each package runs in the Workers runtime with its own bindings; e2e drives the whole system over HTTP.
    projects: ["shared", "workers/*", "scripts", "test/e2e"],
    // A green run prints its summary: console output only of failing tests (the reporter reads
    // this root setting, not the projects'). `LOG_LEVEL=debug npm test` shows every line, and
    // the Workers under test log at that level (scripts/lib/test-log-level.ts).
    silent: process.env.LOG_LEVEL ? false : "passed-only",
  },
});
