import { defineConfig } from "vitest/config";
import { e2eProject, OWN_STACK_FILES, SEEDED_STACK_FILES } from "./test/e2e/e2e-project.ts";

const NEW_SERVICE_TEST = "test/new-service.test.ts";

export default defineConfig({
  test: {
    projects: [
      // Unit level (`npm run test:unit`): the kit and each Worker in the Workers runtime with
      // their own bindings, and node-side tests of the tooling. No local stack.
      "shared",
      "shared/vitest.sharded.config.ts",
      "contracts",
      "workers/*",
      // Not a scratch service the generator's test writes while another lane starts vitest.
      "!workers/.*",
      // The tooling's unit tests; the generator's test (it type-checks, bundles and runs the
      // tests of a new service: a minute or more) is end to end, run beside the e2e lanes.
      {
        extends: "./scripts/vitest.config.ts",
        test: { root: "scripts", exclude: [NEW_SERVICE_TEST] },
      },
      {
        test: {
          name: "e2e-new-service",
          root: "scripts",
          environment: "node",
          include: [NEW_SERVICE_TEST],
        },
      },
      {
        test: {
          // The gateway's build reads and hashes files: node, not the Workers runtime.
          name: "gateway-build",
          root: "workers/gateway",
          environment: "node",
          include: ["build.test.ts"],
        },
      },
      {
        test: {
          // The e2e suite's consistency checker, on made-up snapshots: no stack. Its module
          // builds the suite's client at import, so it gets an address it never calls.
          name: "checker",
          root: "test/e2e",
          include: ["invariant-checker.test.ts"],
          provide: { baseUrl: "http://checker.invalid", adminToken: "unused" },
        },
      },
      // End to end (`npm run test:e2e`): the whole system over HTTP on local stacks. `npm test`
      // runs "e2e" and "e2e-own-stacks" at the same time as the unit tests (test/lanes.sh).
      "test/e2e",
      { test: e2eProject("e2e-own-stacks", OWN_STACK_FILES, { sharedStack: false }) },
      // Bulk dead letters in the browser, on a stack of its own (it writes into its database).
      { test: e2eProject("e2e-dead-letters", SEEDED_STACK_FILES) },
      // The saga, idempotency, order list and compensation tests again on each other write path
      // (README, "Write paths": every path keeps the same API), each on its own stack.
      ...["cdc", "self-read"].map((path) => ({
        test: {
          // Any other file runs there too: E2E_FILES="self-healing.test.ts" npx vitest run --project e2e-self-read
          ...e2eProject(`e2e-${path}`, [
            "saga.test.ts",
            "idempotency.test.ts",
            "order-list.test.ts",
            ...(process.env.E2E_FILES?.split(",") ?? []),
          ]),
        },
      })),
    ],
    // One test file per core, not vitest's cores - 1: a file in the Workers runtime waits on
    // workerd much of its time (rewards + inventory on 2 busy cores: 176 s with 1, 130 s with 2).
    // Projects with fileParallelism false still run one file at a time.
    maxWorkers: "100%",
    // A green run prints its summary: console output only of failing tests (the reporter reads
    // this root setting, not the projects'). `LOG_LEVEL=debug npm test` shows every line, and
    // the Workers under test log at that level (scripts/lib/test-log-level.ts).
    silent: process.env.LOG_LEVEL ? false : "passed-only",
  },
});
