/**
 * Creates a service folder from templates/service: `npm run new:service -- billing` writes
 * workers/billing (entry file, handlers, db, wrangler.toml, tests), its Workers types and its
 * first migration (the kit's tables). `--dir <folder>` writes elsewhere, at the same depth.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const template = join(root, "templates", "service");

/** Lower-case letters, digits and dashes, starting with a letter: a queue, binding and package name. */
export function checkServiceName(name: string | undefined): string {
  if (!name || !/^[a-z][a-z0-9-]{0,30}$/.test(name))
    throw new Error(`usage: npm run new:service -- <name> (a-z, 0-9, -; got ${name ?? "nothing"})`);
  return name;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Writes the service into `dir` (default workers/<name>); returns the folder. */
export function newService(name: string, dir = join(root, "workers", name)): string {
  checkServiceName(name);
  if (existsSync(dir)) throw new Error(`${relative(root, dir)} exists already`);
  cpSync(template, dir, { recursive: true });
  for (const file of filesUnder(dir))
    writeFileSync(file, readFileSync(file, "utf8").replaceAll("__NAME__", name));
  const run = (command: string, args: string[], cwd = root) =>
    execFileSync("npx", [command, ...args], { cwd, stdio: "pipe" });
  const config = relative(root, dir);
  run("wrangler", [
    "types",
    join(config, "worker-configuration.d.ts"),
    "--include-runtime=false",
    "--strict-vars=false",
    "-c",
    join(config, "wrangler.toml"),
  ]);
  run("drizzle-kit", ["generate", "--name", "init"], dir);
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--dir");
  const dir = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const name = checkServiceName(args[0]);
  const made = newService(name, dir ? resolve(dir) : undefined);
  const folder = relative(root, made);
  console.log(`created ${folder}. Next:
  - contracts/src/events.ts: add "${name}" to the subscribers of the events it consumes, and
    define the events it produces (producer "${name}"); a handler each in src/handlers
  - wrangler.toml: a queue producer <SERVICE>_INBOX for each subscriber and each producer
  - npm install (links the workspace); npm run typecheck finds ${folder} on its own
  - npx vitest run --project ${name}`);
}
