import { env } from "cloudflare:workers";
import { emptyTables } from "./fresh-tables";

/**
 * A setup file of every service's test project, after its migrations: each test file starts
 * from empty tables in every D1 binding, though the runtime ran other files before it
 * (`isolate: false` in service-vitest-config.ts).
 */
for (const binding of Object.values(env as Record<string, unknown>)) {
  if (isD1(binding)) await emptyTables(binding);
}

/** A D1 binding (a service binding answers to any property name, so no duck typing). */
function isD1(binding: unknown): binding is D1Database {
  return (
    (binding as { constructor?: { name?: string } } | null)?.constructor?.name === "D1Database"
  );
}
