// The gateway's custom build (wrangler.toml [build]; also run by its vitest config): puts the
// API reference renderer into the Worker's static assets, so /docs works offline and pins the
// renderer's version to the lockfile's. Only the single-file bundle: no source maps, no chunks.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// The package exports no path to it; the workspace root's node_modules holds it (npm ci).
const bundle = join(here, "../../node_modules/@scalar/api-reference/dist/browser/standalone.js");
const target = join(here, "public/docs/scalar.js");

export function buildGatewayAssets() {
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(bundle, target);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildGatewayAssets();
