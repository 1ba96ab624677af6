import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { testLogLevel } from "./test-log-level.ts";

/**
 * A test's time limit in the local runtime. Speed is the bench's business, not a unit test's:
 * `npm test` runs the unit tests beside two e2e lanes on 2 cores, where a test that takes 1 s
 * alone has taken 7 s; vitest's 5 s default failed such a test for the machine's load.
 */
export const TEST_TIMEOUT_MS = 30_000;

/** Empties every D1 binding's tables before each test file (src/fresh-d1-setup.ts). */
const FRESH_D1_SETUP = new URL("../src/fresh-d1-setup.ts", import.meta.url).pathname;

type MiniflareOptions = NonNullable<
  Extract<Parameters<typeof cloudflareTest>[0], { miniflare?: unknown }>["miniflare"]
>;

/**
 * The vitest project of a service under workers/<name>: its Worker in the local runtime with its
 * wrangler.toml, the migrations to apply (test/apply-migrations.ts), LOG_LEVEL warn unless
 * `LOG_LEVEL` is set (test-log-level.ts), and `INBOX_UNDER_TEST`, a producer for its
 * own inbox queue, so tests send through the real local queue (the dead-letter suite does).
 * @example export default serviceTestConfig("billing", import.meta.url);
 */
export function serviceTestConfig(
  name: string,
  configUrl: string,
  miniflare: {
    d1Databases?: Record<string, string>;
    /** Auxiliary Workers its bindings reach, e.g. the card processor's sandbox (payment). */
    workers?: Record<string, unknown>[];
    bindings?: Record<string, unknown>;
  } = {},
) {
  return defineConfig(async () => {
    const migrations = await readD1Migrations(new URL("./migrations", configUrl).pathname);
    return {
      plugins: [
        cloudflareTest({
          main: "./src/index.ts",
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            ...miniflare,
            bindings: {
              ...miniflare.bindings,
              TEST_MIGRATIONS: migrations,
              LOG_LEVEL: testLogLevel(),
            },
            queueProducers: { INBOX_UNDER_TEST: { queueName: `${name}-inbox` } },
          },
        }),
      ],
      test: {
        name,
        include: ["test/**/*.test.ts"],
        // One runtime per vitest worker for all its files, not one per file (its start was most
        // of the unit tests' time): after the migrations, each file starts from empty tables.
        isolate: false,
        setupFiles: ["./test/apply-migrations.ts", FRESH_D1_SETUP],
        testTimeout: TEST_TIMEOUT_MS,
        silent: "passed-only" as const,
      },
    };
  });
}

/**
 * The vitest project of a Worker without a database of its own (the gateway, operations, the
 * card processor's sandbox): its Worker in the local runtime with `bindings` (LOG_LEVEL warn
 * unless `LOG_LEVEL` is set) and stand-ins for the services it calls (`echoService`).
 * @example export default statelessTestConfig("gateway", { configPath: "../../wrangler.toml" });
 */
export function statelessTestConfig(
  name: string,
  options: {
    configPath?: string;
    bindings?: Record<string, unknown>;
    serviceBindings?: MiniflareOptions["serviceBindings"];
  } = {},
) {
  const { configPath = "./wrangler.toml", bindings, serviceBindings } = options;
  return defineConfig({
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        wrangler: { configPath },
        miniflare: {
          bindings: { ...bindings, LOG_LEVEL: testLogLevel() },
          serviceBindings,
        },
      }),
    ],
    test: {
      name,
      include: ["test/**/*.test.ts"],
      // One runtime for the files of a vitest worker, as for the services above.
      isolate: false,
      testTimeout: TEST_TIMEOUT_MS,
      silent: "passed-only" as const,
    },
  });
}
