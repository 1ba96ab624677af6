import { defineConfig } from "vitest/config";

/** Node-side tooling (deploy planning, local stack helpers): plain unit tests. */
export default defineConfig({
  test: { name: "scripts", environment: "node", include: ["test/**/*.test.ts"] },
});
