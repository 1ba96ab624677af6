import { WRITE_PATHS, type WritePath, writePathOf } from "@edge-saga/contracts";
import { testLogLevel } from "@edge-saga/kit-testing/log-level";
import type { TestProject } from "vitest/node";
import { devIssuerKey, type LocalStack, startLocalStack } from "../../../scripts/lib/local-stack";
import { e2eShards } from "./shards";

declare module "vitest" {
  export interface ProvidedContext {
    /** The gateway of the system under test, e.g. `http://127.0.0.1:40123`. */
    baseUrl: string;
    adminToken: string;
    /** The order service's WRITE_PATH on the stack under test. */
    writePath: WritePath;
    /**
     * The stack's dev issuer key (JSON), to mint tokens the dev issuer never would (expired,
     * another audience) with its own signature; absent for a stack this setup did not start.
     */
    devIssuerKey?: string;
    /** The stack's state directory (its D1 files), to seed what the API cannot make; absent for an external stack. */
    persistDir?: string;
    /** D1 databases per stateful service of the stack under test (`E2E_SHARDS`; 1 for an external one unless set). */
    shards: number;
  }
}

/**
 * Starts the local stack once for every e2e file and stops it (whole process group, temp state)
 * in teardown. `E2E_BASE_URL` (+ `E2E_ADMIN_TOKEN`) points the suite at a stack that is already
 * running instead, e.g. `npm run dev` in another terminal. `E2E_SHARDS=N`: the stack runs N D1
 * databases per stateful service.
 */
export default async function setup(project: TestProject) {
  const external = process.env.E2E_BASE_URL;
  // The project "e2e-<path>" runs on that write path (vitest.config.ts); "e2e" and a project
  // named for something else (e2e-dead-letters) on the default.
  const suffix = project.name.replace(/^e2e-?/, "");
  const writePath = writePathOf(
    (WRITE_PATHS as readonly string[]).includes(suffix) ? suffix : undefined,
  );
  project.provide("writePath", writePath);
  // Read first: a bad E2E_SHARDS fails the run before anything starts, saying why.
  const shards = e2eShards();
  project.provide("shards", shards);
  let stack: LocalStack | undefined;
  if (external) {
    project.provide("baseUrl", external.replace(/\/$/, ""));
    project.provide("adminToken", process.env.E2E_ADMIN_TOKEN ?? "dev-admin-token");
  } else {
    // `npm test` starts this stack while the other lanes use the CPU (test/lanes.sh): a slow
    // start is not a failure, one that never serves is.
    stack = await startLocalStack({
      logLevel: testLogLevel(),
      writePath,
      shards,
      startupTimeoutMs: 180_000,
    });
    project.provide("baseUrl", stack.baseUrl);
    project.provide("adminToken", stack.adminToken);
    project.provide("devIssuerKey", JSON.stringify(devIssuerKey(stack.persistDir)));
    project.provide("persistDir", stack.persistDir);
  }
  return async () => {
    await stack?.stop();
  };
}
