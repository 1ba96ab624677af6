import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withVars } from "../lib/local-stack";

describe("local stack config copies", () => {
  it("set a var in the config's own [vars] table, replacing the value it has", () => {
    const toml = [
      'name = "x"',
      "",
      "[vars]",
      "# Lowest level logged.",
      'LOG_LEVEL = "info"',
      'OTHER = "kept"',
      "",
      "[triggers]",
      'crons = ["* * * * *"]',
    ].join("\n");
    expect(withVars(toml, { LOG_LEVEL: "warn", FAULTS_ENABLED: "true" })).toBe(
      [
        'name = "x"',
        "",
        "[vars]",
        'LOG_LEVEL = "warn"',
        'FAULTS_ENABLED = "true"',
        "# Lowest level logged.",
        'OTHER = "kept"',
        "",
        "[triggers]",
        'crons = ["* * * * *"]',
      ].join("\n"),
    );
  });

  it("add the table when the config has none", () => {
    expect(withVars('name = "x"\n', { FAULTS_ENABLED: "true" })).toBe(
      'name = "x"\n\n[vars]\nFAULTS_ENABLED = "true"\n',
    );
  });

  it("keep every service's LOG_LEVEL once", () => {
    for (const service of ["order", "inventory", "rewards", "view"]) {
      const toml = readFileSync(new URL(`../../workers/${service}/wrangler.toml`, import.meta.url));
      const copy = withVars(String(toml), { LOG_LEVEL: "warn" });
      expect(copy.match(/^LOG_LEVEL = .*$/gm), service).toEqual(['LOG_LEVEL = "warn"']);
      expect(copy.match(/^\[vars\]$/gm), service).toHaveLength(1);
    }
  });
});
