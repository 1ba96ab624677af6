#!/usr/bin/env node
// npm treats a failed download of an optional dependency as a warning and still exits 0.
// The native binaries we need (workerd, esbuild, biome) are all optional platform packages,
// so a registry hiccup during `npm ci` leaves an install that breaks much later with
// "Cannot find module '@biomejs/cli-linux-x64/biome'". This compares the lockfile with
// node_modules and names every package meant for this platform that is missing.
// Plain Node on purpose: it must run even when the broken install is tsx's esbuild.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const libc = process.report?.getReport().header.glibcVersionRuntime ? "glibc" : "musl";

/** npm's own rule: a list allows a value unless it names it with "!" or names others only. */
function allows(list, value) {
  if (!list) return true;
  if (list.includes(`!${value}`)) return false;
  const positive = list.filter((entry) => !entry.startsWith("!"));
  return positive.length === 0 || positive.includes(value);
}

const missing = Object.entries(lock.packages)
  // Only platform packages: the rest are not optional, and npm ci fails loudly without them.
  .filter(([path, pkg]) => path.startsWith("node_modules/") && (pkg.os || pkg.cpu))
  .filter(
    ([, pkg]) =>
      allows(pkg.os, process.platform) &&
      allows(pkg.cpu, process.arch) &&
      (process.platform !== "linux" || allows(pkg.libc, libc)),
  )
  // A nested copy is only installed where its parent is; skip children of absent parents.
  .filter(([path]) => {
    const nested = path.lastIndexOf("/node_modules/");
    return nested < 0 || existsSync(join(root, path.slice(0, nested)));
  })
  .filter(([path, pkg]) => !pkg.peer && !existsSync(join(root, path, "package.json")))
  .map(([path, pkg]) => `${path.slice("node_modules/".length)}@${pkg.version}`);

if (missing.length > 0) {
  console.error(
    `install incomplete: ${missing.length} package(s) from package-lock.json are missing:\n  ${missing.join("\n  ")}\n` +
      "npm skips an optional package whose download failed; run `npm ci` again.",
  );
  process.exit(1);
}
// patches/ (patch-package, run by postinstall): without the local queue broker's fix a queue can
// stop delivering for good under load (docs/platform-notes.md), which fails chaos runs at random.
const broker = join(root, "node_modules/miniflare/dist/src/workers/queues/broker.worker.js");
if (!readFileSync(broker, "utf8").includes("Patched by edge-saga")) {
  console.error(
    "install incomplete: the local queue broker is not patched (patches/); run `npx patch-package`.",
  );
  process.exit(1);
}
console.log(
  "install complete: every package the lockfile names for this platform is present, patches applied",
);
