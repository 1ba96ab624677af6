import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { parse } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { BENCH_KIT } from "../lib/bench-entry";
import { serviceConfigs } from "../lib/local-stack";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bench-entry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mainOf = (config: string) => (parse(readFileSync(config, "utf8")) as { main: string }).main;

/** Bundles `entry` as wrangler would (the runtime's modules left out) and returns its code. */
async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "silent",
  });
  return out.outputFiles.map((f) => f.text).join("\n");
}

/** What only bench code holds: its counters' keys and its routes' wrapper. */
const BENCH_MARKERS = ["edge-saga.bench.", "bench-polling-interval-ms"];

describe("local stack: the bench entry", () => {
  it("with BENCH_BASELINES_ENABLED, each service runs a bench entry wrapping its real one", () => {
    const configs = serviceConfigs({ BENCH_BASELINES_ENABLED: "true" }, join(dir, "on"));
    for (const [service, config] of Object.entries(configs)) {
      const main = mainOf(config);
      expect(main, service).toBe(join(dir, "on", service, "bench-entry.ts"));
      const source = readFileSync(main, "utf8");
      expect(source).toContain(
        `import * as service from ${JSON.stringify(join(ROOT, "workers", service, "src/index.ts"))}`,
      );
      expect(source).toContain(`from ${JSON.stringify(BENCH_KIT)}`);
      expect(source).toContain("export default benchWorker(service.default");
      // The relay plays the polling baseline; its class keeps the name the migrations give it.
      expect(source).toContain("export const OutboxRelay = benchRelay(service.OutboxRelay);");
    }
    // Only the order service has bench routes of its own (direct publish, write paths).
    expect(readFileSync(mainOf(configs.order), "utf8")).toContain("{ routes: benchRoutes }");
    expect(readFileSync(mainOf(configs.view), "utf8")).not.toContain("benchRoutes");
  });

  it("without it, every service runs its own entry", () => {
    const configs = serviceConfigs({ FAULTS_ENABLED: "true" }, join(dir, "off"));
    for (const [service, config] of Object.entries(configs))
      expect(mainOf(config), service).toBe(join(ROOT, "workers", service, "src/index.ts"));
  });

  it("the production entry bundles no bench code; the bench entry bundles it", async () => {
    const production = await bundle(join(ROOT, "workers/order/src/index.ts"));
    for (const marker of BENCH_MARKERS) expect(production).not.toContain(marker);
    const configs = serviceConfigs({ BENCH_BASELINES_ENABLED: "true" }, join(dir, "bundle"));
    const bench = await bundle(mainOf(configs.order));
    for (const marker of BENCH_MARKERS) expect(bench).toContain(marker);
  }, 60_000);
});
