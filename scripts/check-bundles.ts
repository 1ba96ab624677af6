/**
 * CI check: every Worker bundles for deployment (`wrangler deploy --dry-run`) and its
 * committed `Env` types are what `wrangler types` would generate from its config now.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WORKERS, wrangler } from "./lib/wrangler";

const outRoot = mkdtempSync(join(tmpdir(), "edge-saga-bundles-"));
const failures: string[] = [];
try {
  for (const worker of WORKERS) {
    const bundle = wrangler([
      "deploy",
      "--dry-run",
      "--outdir",
      join(outRoot, worker.name),
      "-c",
      worker.config,
    ]);
    if (bundle.status !== 0)
      failures.push(`${worker.name}: does not bundle\n${bundle.stdout}${bundle.stderr}`);
    // Vars typed as string, not as the literal in wrangler.toml: LOG_LEVEL differs per deploy and test.
    const generate = ["types", worker.types, "--include-runtime=false", "--strict-vars=false"];
    const types = wrangler([...generate, "--check", "-c", worker.config]);
    if (types.status !== 0) {
      failures.push(
        `${worker.name}: ${worker.types} is out of date; run: npx wrangler ${generate.join(" ")} -c ${worker.config}\n${types.stdout}${types.stderr}`,
      );
    }
    console.log(
      `${worker.name}: ${bundle.status === 0 ? "bundles" : "BUNDLE FAILED"}, types ${types.status === 0 ? "current" : "STALE"}`,
    );
  }
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(failures.join("\n\n"));
  process.exit(1);
}
