/**
 * `npm run typecheck`: tsc over every TypeScript project of the repo, found on disk: the node
 * scripts and tests (tsconfig.node.json), shared, its testing helpers, contracts, and every
 * folder under workers/ and bench/ with a tsconfig.json. A service `npm run new:service` wrote is in from the start.
 * Prints only tsc's errors and one summary line; exits 1 when any project fails.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import pLimit from "p-limit";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
/**
 * TypeScript's native compiler (tsgo, @typescript/native-preview): the same checks as tsc 5.9 on
 * this tree at under half the CPU (98 s against 224 s for every project), which on CI's 2 shared
 * cores is the run's single largest cost. `TYPECHECK_WITH=tsc` checks with tsc instead.
 */
const checker =
  process.env.TYPECHECK_WITH === "tsc"
    ? createRequire(import.meta.url).resolve("typescript/bin/tsc")
    : join(
        dirname(createRequire(import.meta.url).resolve("@typescript/native-preview/package.json")),
        "bin",
        "tsgo",
      );

/** The folders in `dir`, sorted, node_modules aside; dot folders only when asked. */
const subfolders = (dir: string, dotFolders = false) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "node_modules")
    .filter((entry) => dotFolders || !entry.name.startsWith("."))
    .map((entry) => `${dir}/${entry.name}`)
    .sort();

/** Every folder at or below `dir` that holds a tsconfig.json. */
function projectsIn(dir: string): string[] {
  const below = subfolders(dir).flatMap(projectsIn);
  return existsSync(join(root, dir, "tsconfig.json")) ? [dir, ...below] : below;
}

/**
 * What `npm run typecheck` checks, as `tsc -p` arguments: a service's nested projects too (the
 * operations dashboard's browser code has one of its own). Dot folders are left out, as the
 * workspaces and vitest globs leave them out: a test's scratch service lives in one.
 */
export function typecheckProjects({ dotFolders = false } = {}): string[] {
  const under = (dir: string) => subfolders(dir, dotFolders).flatMap(projectsIn);
  return [
    "tsconfig.node.json",
    "shared",
    "shared/testing",
    "contracts",
    ...under("workers"),
    ...under("bench"),
  ];
}

async function runTsc(project: string): Promise<{ ok: boolean; output: string }> {
  const run = await execa(process.execPath, [checker, "-p", project], {
    cwd: root,
    reject: false,
    all: true,
  });
  return { ok: run.exitCode === 0, output: run.all ?? "" };
}

/** tsc's diagnostics one by one (a diagnostic's further lines are indented). */
const diagnostics = (output: string) =>
  output
    .split(/\n(?=\S)/)
    .map((diagnostic) => diagnostic.trimEnd())
    .filter(Boolean);

async function main(): Promise<number> {
  const started = Date.now();
  const projects = typecheckProjects();
  const results = new Map<string, Awaited<ReturnType<typeof runTsc>>>();
  // A tsc per core: the projects are independent, and one tsc uses one core.
  const limit = pLimit(availableParallelism());
  await Promise.all(
    projects.map((project) => limit(async () => results.set(project, await runTsc(project)))),
  );
  const failed = projects.filter((project) => !results.get(project)?.ok);
  // Projects share sources (contracts, shared): an error in one of those is printed once.
  const errors = new Set(
    failed.flatMap((project) => diagnostics(results.get(project)?.output ?? "")),
  );
  for (const error of errors) console.log(error);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    failed.length === 0
      ? `typecheck: ${projects.length} projects clean (${seconds} s)`
      : `typecheck: ${failed.length} of ${projects.length} projects failed: ${failed.join(", ")} (${seconds} s)`,
  );
  return failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code));
}
