import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_TIMEOUT_MS } from "./service-vitest-config.ts";
import { testLogLevel } from "./test-log-level.ts";

/**
 * A vitest project of the kit's own tests (shared/): the test Worker `worker` (a folder under
 * shared/test with src/index.ts and wrangler.toml) in the local runtime, with the kit's test
 * migrations (shared/test/worker/migrations) as TEST_MIGRATIONS, LOG_LEVEL warn unless
 * `LOG_LEVEL` is set (test-log-level.ts) and `bindings`; the tests in `include`, after `setupFile`.
 * @example export default kitTestConfig({ name: "shared", worker: "worker", include: ["test/*.test.ts"], setupFile: "./test/apply-migrations.ts" });
 */
export function kitTestConfig(options: {
  name: string;
  worker: string;
  include: string[];
  setupFile: string;
  bindings?: Record<string, unknown>;
  isolate?: boolean;
}) {
  const { name, worker, include, setupFile, bindings, isolate } = options;
  return defineConfig(async () => {
    const migrations = await readD1Migrations(
      new URL("../../test/worker/migrations", import.meta.url).pathname,
    );
    return {
      plugins: [
        cloudflareTest({
          main: `./test/${worker}/src/index.ts`,
          wrangler: { configPath: `./test/${worker}/wrangler.toml` },
          miniflare: {
            bindings: { TEST_MIGRATIONS: migrations, LOG_LEVEL: testLogLevel(), ...bindings },
          },
        }),
      ],
      test: {
        name,
        // Structured event logs are noise on green runs; they still show for failing tests.
        silent: "passed-only" as const,
        include,
        setupFiles: [setupFile],
        ...(isolate === undefined ? {} : { isolate }),
        testTimeout: TEST_TIMEOUT_MS,
      },
    };
  });
}
