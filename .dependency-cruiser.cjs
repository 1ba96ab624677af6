/**
 * Layers (conventions.md, "Layers"): contracts and the kit at the bottom; services on them; the
 * kit's testing helpers beside the kit; tools (scripts/) on top. Imports only point down.
 * `npm run lint:layers` (part of `npm test`) fails on any of them; scripts/test/layers.test.ts
 * shows each rule catching an upward import.
 */
const production = "^(shared/src|contracts/src|workers/[^/]+/src)/";
const testing = "^shared/testing/";
const tools = "^scripts/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "kit-imports-upward",
      comment:
        "contracts and the kit are the bottom layer: they import no service, tool, test or bench code.",
      severity: "error",
      from: { path: "^(shared/src|contracts/src)/" },
      to: { path: ["^workers/", tools, "^test/", "^bench/", testing] },
    },
    {
      name: "production-imports-tools-or-tests",
      comment: "Production code never imports bench, testing helpers, tools or tests.",
      severity: "error",
      from: { path: production },
      to: { path: [tools, testing, "^bench/", "^test/", "^shared/test/", "^workers/[^/]+/test/"] },
    },
    {
      name: "worker-imports-another-worker",
      comment: "Services never import each other's code: cross-service data moves as events.",
      severity: "error",
      from: { path: "^workers/([^/]+)/" },
      to: { path: "^workers/", pathNot: "^workers/$1/" },
    },
    {
      name: "testing-imports-upward",
      comment: "The kit's testing helpers sit beside the kit: no service, tool or test imports.",
      severity: "error",
      from: { path: testing },
      to: { path: ["^workers/", tools, "^test/", "^bench/"] },
    },
    {
      name: "test-config-imports-tools",
      comment:
        "Services' and the kit's tests and test configs use the testing helpers, never the tools.",
      severity: "error",
      from: { path: "^(shared|contracts|workers/[^/]+)/" },
      to: { path: tools },
    },
    {
      name: "tools-import-a-service",
      comment: "Tools drive services over HTTP and the contract; they import no service's source.",
      severity: "error",
      from: { path: tools },
      to: { path: "^workers/[^/]+/src/" },
    },
    {
      name: "production-imports-bench",
      comment:
        "Production code imports no bench code, not even a switch: a bench entry (written by the local stack when BENCH_BASELINES_ENABLED) imports the service and wraps it. The kit's bench code is shared/bench, a service's its bench/ folder.",
      severity: "error",
      from: { path: production },
      to: { path: ["^shared/bench/", "^workers/[^/]+/bench/", "^bench/"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: {
      path: ["(^|/)node_modules/", "(^|/)\\.wrangler/", "(^|/)\\.tmp-", "^workers/[^/]+/public/"],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.node.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".json"],
      mainFields: ["module", "main", "types"],
    },
    skipAnalysisNotInRules: true,
  },
};
