import { defineConfig } from "vitest/config";

/** The contract as data (schemas, routes, the OpenAPI document): plain Node, no Workers runtime. */
export default defineConfig({
  test: { name: "contracts", environment: "node", include: ["test/**/*.test.ts"] },
});
