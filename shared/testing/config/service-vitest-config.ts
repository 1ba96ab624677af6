import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { testLogLevel } from "./test-log-level.ts";

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
        setupFiles: ["./test/apply-migrations.ts"],
        silent: "passed-only" as const,
      },
    };
  });
}
