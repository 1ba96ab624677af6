import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each package runs in the Workers runtime with its own bindings; e2e drives the whole system over HTTP.
    projects: ["shared", "workers/*", "scripts", "test/e2e"],
  },
});
