/**
 * The files that start local stacks of their own (fault injection, a cron every 2 s, SIGKILLs
 * of a stack, `npm run dev` itself) and never touch the shared one: project "e2e-own-stacks",
 * which starts none, so they can run while the shared stack serves the other files.
 */
/** Files whose test leaves its stack unfit for others: each runs in a project of its own. */
export const SEEDED_STACK_FILES = ["dashboard-dead-letters.test.ts"];

export const OWN_STACK_FILES = [
  "chaos.test.ts",
  "self-healing.test.ts",
  "trace.test.ts",
  "local-cron.test.ts",
  "dev-orphans.test.ts",
];

/**
 * The whole system over HTTP: one local stack (gateway + services in one `wrangler dev`)
 * started by the global setup, shared by every file of the project, driven only through the
 * gateway's public API. The project "e2e-<path>" runs its stack on that write path.
 * `sharedStack: false`: no global setup (each file starts what it needs).
 */
export function e2eProject(
  name: string,
  include = ["**/*.test.ts"],
  { sharedStack = true }: { sharedStack?: boolean } = {},
) {
  return {
    name,
    root: import.meta.dirname,
    environment: "node" as const,
    include,
    // The checker's unit test runs with the unit tests (project "checker"); an own-stack file
    // only when named (E2E_FILES, vitest.config.ts).
    exclude: [
      "invariant-checker.test.ts",
      ...(sharedStack
        ? [...OWN_STACK_FILES, ...SEEDED_STACK_FILES].filter((file) => !include.includes(file))
        : []),
    ],
    globalSetup: sharedStack ? ["./support/global-setup.ts"] : [],
    // support/wait.ts imports support/api.ts, which builds the shared stack's client at import:
    // without a shared stack it gets an address nothing calls.
    ...(sharedStack
      ? {}
      : { provide: { baseUrl: "http://no-shared-stack.invalid", adminToken: "unused" } }),
    // One stack for all files: files run one after another so their checks see a quiet system.
    // (Own stacks too: two at once on a 2-core machine would slow each other's timings.)
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  };
}
