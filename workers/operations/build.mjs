// The operations Worker's custom build (wrangler.toml [build], so before every `wrangler dev`,
// deploy and dry run; also run by its vitest config): bundles the dashboard's browser code
// (src/dashboard/client) into public/dashboard.js.txt, a text module the Worker serves as
// `GET /dashboard.js` (src/dashboard/route.ts).
//
// Not static assets: wrangler 4.86's local runtime gives every Worker with assets in one
// `wrangler dev` the same file storage (miniflare's `assets:storage`, the first Worker's
// directory), so behind the gateway, which has assets of its own, the bundle answered 500.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const client = join(here, "src/dashboard/client");
const root = join(here, "../..");
// `.txt`: wrangler's and the test pool's default rule makes it a text module, no config.
const bundle = join(here, "public/dashboard.js.txt");

export function buildDashboard() {
  const { outputFiles, metafile } = buildSync({
    entryPoints: [join(client, "main.ts")],
    bundle: true,
    minify: true,
    // A classic script at the end of the body, as the inline one was (strict: tsconfig's `strict`).
    format: "iife",
    // The browsers the page targets run ES2022 as written; the TS is only stripped.
    target: "es2022",
    tsconfig: join(client, "tsconfig.json"),
    metafile: true,
    write: false,
    logLevel: "warning",
  });
  // Types only from contracts, but for its typed client (hono/client and its transport): a
  // value import of anything else would bundle zod (and more) into the page.
  const allowed = /^(contracts\/src\/http\/client\.ts|node_modules\/hono\/dist\/(client|utils)\/)/;
  const outside = Object.keys(metafile.inputs).filter(
    (input) =>
      relative(client, join(process.cwd(), input)).startsWith("..") &&
      !allowed.test(relative(root, join(process.cwd(), input))),
  );
  if (outside.length > 0) {
    throw new Error(
      `the dashboard bundle takes code from outside ${client}: ${outside.join(", ")}`,
    );
  }
  // Whole or not at all: a dev server rebundling the Worker meanwhile never reads half a file.
  mkdirSync(dirname(bundle), { recursive: true });
  writeFileSync(`${bundle}.tmp`, outputFiles[0].contents);
  renameSync(`${bundle}.tmp`, bundle);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildDashboard();
