// The gateway's custom build (wrangler.toml [build]; also run by its vitest config): puts the
// API reference renderer into the Worker's static assets, so /docs works offline. The renderer
// is a pinned copy of Scalar's single-file bundle (vendor/scalar.json names version and hash):
// one file instead of the ~320 packages its npm package installs. To update it, replace the
// file and its entry in vendor/scalar.json with the new version's standalone.js and sha256.
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const scalarBundle = JSON.parse(readFileSync(join(here, "vendor/scalar.json"), "utf8"));
const target = join(here, "public/docs/scalar.js");

/** Copies `source` (the pinned bundle by default) to the assets; throws unless its sha256 is the pinned one. */
export function buildGatewayAssets(source = join(here, "vendor", scalarBundle.file)) {
  const bytes = readFileSync(source);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== scalarBundle.sha256) {
    throw new Error(
      `${source}: sha256 ${sha256} is not the pinned ${scalarBundle.sha256} of ${scalarBundle.package}@${scalarBundle.version} (workers/gateway/vendor/scalar.json)`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildGatewayAssets();
