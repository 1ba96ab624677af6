import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { withVars } from "../lib/local-stack";

describe("local stack config copies", () => {
  it("set a var in the config's own [vars] table, replacing the value it has, the rest kept", () => {
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
    expect(parse(withVars(toml, { LOG_LEVEL: "warn", FAULTS_ENABLED: "true" }))).toEqual({
      name: "x",
      vars: { LOG_LEVEL: "warn", OTHER: "kept", FAULTS_ENABLED: "true" },
      triggers: { crons: ["* * * * *"] },
    });
  });

  it("add the table when the config has none", () => {
    expect(parse(withVars('name = "x"\n', { FAULTS_ENABLED: "true" }))).toEqual({
      name: "x",
      vars: { FAULTS_ENABLED: "true" },
    });
  });

  it("keep every service's LOG_LEVEL once", () => {
    for (const service of ["order", "inventory", "rewards", "view"]) {
      const toml = readFileSync(new URL(`../../workers/${service}/wrangler.toml`, import.meta.url));
      const copy = withVars(String(toml), { LOG_LEVEL: "warn" });
      expect(copy.match(/^LOG_LEVEL = .*$/gm), service).toEqual(['LOG_LEVEL = "warn"']);
      expect(copy.match(/^\[vars\]$/gm), service).toHaveLength(1);
      // Everything else of the config is as it was.
      const { vars, ...rest } = parse(copy);
      const { vars: committedVars, ...committed } = parse(String(toml));
      expect(rest, service).toEqual(committed);
      expect(vars, service).toEqual({ ...(committedVars as object), LOG_LEVEL: "warn" });
    }
  });
});
