/**
 * The whole system over HTTP: one local stack (gateway + services in one `wrangler dev`)
 * started by the global setup, shared by every file of the project, driven only through the
 * gateway's public API. The project "e2e-<path>" runs its stack on that write path.
 */
export function e2eProject(name: string, include = ["**/*.test.ts"]) {
  return {
    name,
    root: import.meta.dirname,
    environment: "node" as const,
    include,
    // A unit test of the checker, run with the unit tests (project "checker").
    exclude: ["invariant-checker.test.ts"],
    globalSetup: ["./support/global-setup.ts"],
    // One stack for all files: files run one after another so their checks see a quiet system.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  };
}
