import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkServiceName, newService } from "../new-service";
import { typecheckProjects } from "../typecheck";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
// Beside the real services (the template's relative paths need that depth); a dot folder, so
// no workers/* glob (workspaces, npm run typecheck, and vitest projects by "!workers/.*") sees it.
const dir = join(root, "workers", `.tmp-new-service-${process.pid}`);
// The child vitest is a run of its own, not a worker of this one.
const childEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST"))),
  NO_COLOR: "1",
  FORCE_COLOR: "0",
};
const run = (args: string[], cwd = root) =>
  execFileSync("npx", args, { cwd, env: childEnv, stdio: "pipe", encoding: "utf8" });

describe("npm run new:service", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a name that cannot be a queue or binding name", () => {
    expect(() => checkServiceName("Billing")).toThrow(/usage/);
    expect(() => checkServiceName(undefined)).toThrow(/usage/);
    expect(checkServiceName("billing-2")).toBe("billing-2");
  });

  it("creates a service that npm run typecheck finds and passes, that bundles and passes its own tests", () => {
    newService("probe", dir);
    // Found as a folder under workers/ with a tsconfig.json: nothing to add to package.json.
    // Only because this one is a dot folder does typecheck need asking to look at it.
    const project = relative(root, dir);
    expect(typecheckProjects()).not.toContain(project);
    expect(typecheckProjects({ dotFolders: true })).toContain(project);
    run(["tsc", "-p", project]);
    run([
      "wrangler",
      "deploy",
      "--dry-run",
      "-c",
      join(dir, "wrangler.toml"),
      "--outdir",
      join(dir, "dist"),
    ]);
    expect(run(["vitest", "run"], dir)).toMatch(/Tests\s+2 passed/);
  }, 180_000);
});
