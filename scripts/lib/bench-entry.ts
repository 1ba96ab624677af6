import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The kit's bench code (shared/bench): the wrappers a bench entry applies. */
export const BENCH_KIT = join(ROOT, "shared", "bench", "index.ts");
/** A service's own bench routes, by convention beside its src/ (the order service's baselines). */
export const SERVICE_BENCH_ROUTES = join("bench", "bench-routes.ts");

/** The parts of a service's wrangler config a bench entry is written from. */
export interface BenchEntryConfig {
  main?: string;
  durable_objects?: { bindings?: { name?: string; class_name?: string; script_name?: string }[] };
  workflows?: { class_name?: string; script_name?: string }[];
}

/**
 * The source of a service's bench entry (shared/bench/bench-worker.ts): its real entry `main`
 * (absolute) imported and wrapped, the default export counted and serving the bench routes,
 * each Durable Object class it defines counted (the relay bound as OUTBOX_RELAY also playing
 * the polling baseline), its workflows passed through, `routes` (absolute, if any) tried first.
 */
export function benchEntrySource(
  config: BenchEntryConfig & { main: string },
  routes?: string,
): string {
  const q = JSON.stringify;
  const own = (c: { script_name?: string }) => c.script_name === undefined;
  const objects = (config.durable_objects?.bindings ?? []).filter(own);
  const lines = [
    "// Written by scripts/lib/local-stack.ts: this service's bench entry (BENCH_BASELINES_ENABLED).",
    `import * as service from ${q(config.main)};`,
    `import { benchDurableObject, benchRelay, benchWorker } from ${q(BENCH_KIT)};`,
    ...(routes ? [`import { benchRoutes } from ${q(routes)};`] : []),
    `export default benchWorker(service.default${routes ? ", { routes: benchRoutes }" : ""});`,
  ];
  const exported = new Set<string>();
  for (const { name, class_name: cls } of objects) {
    if (!cls || exported.has(cls)) continue;
    exported.add(cls);
    const wrap = name === "OUTBOX_RELAY" ? "benchRelay" : "benchDurableObject";
    lines.push(`export const ${cls} = ${wrap}(service.${cls});`);
  }
  for (const { class_name: cls } of (config.workflows ?? []).filter(own))
    if (cls && !exported.has(cls)) lines.push(`export const ${cls} = service.${cls};`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the bench entry of the service whose config was in `from` (its `main` made absolute)
 * into `dir`, and returns its path: what a config copy's `main` becomes with the bench on.
 */
export function writeBenchEntry(
  config: BenchEntryConfig & { main: string },
  from: string,
  dir: string,
): string {
  const routes = join(from, SERVICE_BENCH_ROUTES);
  const file = join(dir, "bench-entry.ts");
  writeFileSync(file, benchEntrySource(config, existsSync(routes) ? routes : undefined));
  return file;
}
