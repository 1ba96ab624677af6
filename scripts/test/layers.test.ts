import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const config = fileURLToPath(new URL("../../.dependency-cruiser.cjs", import.meta.url));

/**
 * The repo's layer rules (`npm run lint:layers`) run over a small tree laid out like the repo,
 * in a temp folder so no scratch file lands in the real one. Each upward import must be named
 * by its rule; the downward ones beside them must pass.
 */
const files: Record<string, string> = {
  "contracts/src/index.ts": 'export { seed } from "../../scripts/lib/seed";',
  "shared/src/index.ts": 'export { pending } from "../../workers/order/src/db/tables";',
  "shared/src/relay/relay.ts": 'export { calls } from "../../bench/d1-calls";',
  "shared/bench/d1-calls.ts": "export const calls = 1;",
  "shared/bench/bench-worker.ts":
    'export { calls } from "./d1-calls";\nexport { pending } from "../src/relay/queries";',
  "shared/src/relay/queries.ts": "export const pending = 1;",
  "shared/vitest.config.ts": 'export { level } from "../scripts/lib/test-log-level";',
  "shared/testing/src/index.ts":
    'export { Order } from "../../../contracts/src/index";\nexport { x } from "../../../test/e2e/support/api";',
  "workers/order/src/index.ts":
    'export { deliver } from "../../../shared/testing/src/index";\nexport { hold } from "../../inventory/src/hold";\nexport { shared } from "../../../shared/src/index";\nexport { direct } from "../bench/bench-routes";',
  "workers/order/bench/bench-routes.ts":
    'export const direct = 1;\nexport { pending } from "../src/db/tables";\nexport { calls } from "../../../shared/bench/d1-calls";',
  "workers/order/src/db/tables.ts": "export const pending = 1;",
  "workers/order/test/helpers.ts": 'export { deliver } from "../../../shared/testing/src/index";',
  "workers/inventory/src/hold.ts": "export const hold = 1;",
  "scripts/lib/seed.ts":
    'export const seed = 1;\nexport { pending } from "../../workers/order/src/db/tables";\nexport { Order } from "../../contracts/src/index";',
  "scripts/lib/test-log-level.ts": "export const level = 1;",
  "test/e2e/support/api.ts": 'export { seed } from "../../../scripts/lib/seed";',
};

let root: string;
let violations: IViolation[];
const found = () => violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, dirname(path)), { recursive: true });
    writeFileSync(join(root, path), `${text}\n`);
  }
  const options = await extractDepcruiseOptions(config);
  // The real config resolves workspace packages through tsconfig.node.json; the fixture's imports
  // are all relative.
  const { tsConfig: _, ...rest } = options;
  const result = await cruise(Object.keys(files), { ...rest, baseDir: root, validate: true });
  if (typeof result.output === "string") throw new Error(result.output);
  violations = result.output.summary.violations;
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the layer rules of npm run lint:layers", () => {
  it("name every upward import by its rule, each an error", () => {
    expect(found()).toEqual([
      "kit-imports-upward: contracts/src/index.ts -> scripts/lib/seed.ts",
      "kit-imports-upward: shared/src/index.ts -> workers/order/src/db/tables.ts",
      "production-imports-bench: shared/src/relay/relay.ts -> shared/bench/d1-calls.ts",
      "production-imports-bench: workers/order/src/index.ts -> workers/order/bench/bench-routes.ts",
      "production-imports-tools-or-tests: contracts/src/index.ts -> scripts/lib/seed.ts",
      "production-imports-tools-or-tests: workers/order/src/index.ts -> shared/testing/src/index.ts",
      "test-config-imports-tools: contracts/src/index.ts -> scripts/lib/seed.ts",
      "test-config-imports-tools: shared/vitest.config.ts -> scripts/lib/test-log-level.ts",
      "testing-imports-upward: shared/testing/src/index.ts -> test/e2e/support/api.ts",
      "tools-import-a-service: scripts/lib/seed.ts -> workers/order/src/db/tables.ts",
      "worker-imports-another-worker: workers/order/src/index.ts -> workers/inventory/src/hold.ts",
    ]);
    expect(new Set(violations.map((v) => v.rule.severity))).toEqual(new Set(["error"]));
  });

  it("let downward imports through: tools on contracts, tests on the testing helpers, a worker on the kit", () => {
    const from = new Set(violations.map((v) => `${v.from} -> ${v.to}`));
    expect(from).not.toContain("scripts/lib/seed.ts -> contracts/src/index.ts");
    expect(from).not.toContain("workers/order/test/helpers.ts -> shared/testing/src/index.ts");
    expect(from).not.toContain("workers/order/src/index.ts -> shared/src/index.ts");
    expect(from).not.toContain("test/e2e/support/api.ts -> scripts/lib/seed.ts");
    expect(from).not.toContain("shared/testing/src/index.ts -> contracts/src/index.ts");
    // Bench code sits on top: it may import the kit and its service, never the reverse.
    expect(from).not.toContain("shared/bench/bench-worker.ts -> shared/src/relay/queries.ts");
    expect(from).not.toContain(
      "workers/order/bench/bench-routes.ts -> workers/order/src/db/tables.ts",
    );
    expect(from).not.toContain("workers/order/bench/bench-routes.ts -> shared/bench/d1-calls.ts");
  });
});
