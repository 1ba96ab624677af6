import { defineConfig } from "vitest/config";
import { e2eProject } from "./test/e2e/e2e-project.ts";

export default defineConfig({
  test: {
    // Each package runs in the Workers runtime with its own bindings; e2e drives the whole system over HTTP.
    projects: [
      "shared",
      "workers/*",
      "scripts",
      "test/e2e",
      // The saga, idempotency and compensation tests again on each other write path (README,
      // "Write paths"), each on its own stack, after the rest so no more than two stacks run.
      ...["cdc", "self-read"].map((path) => ({
        test: {
          // Any other file runs there too: E2E_FILES="self-healing.test.ts" npx vitest run --project e2e-self-read
          ...e2eProject(`e2e-${path}`, [
            "saga.test.ts",
            "idempotency.test.ts",
            ...(process.env.E2E_FILES?.split(",") ?? []),
          ]),
          sequence: { groupOrder: 1 },
        },
      })),
    ],
    // A green run prints its summary: console output only of failing tests (the reporter reads
    // this root setting, not the projects'). `LOG_LEVEL=debug npm test` shows every line, and
    // the Workers under test log at that level (scripts/lib/test-log-level.ts).
    silent: process.env.LOG_LEVEL ? false : "passed-only",
  },
});
