import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  adminTokenProblem,
  databaseIdOf,
  devOnlyVarsProblem,
  isPlaceholderId,
  queueNames,
  withDatabaseId,
} from "../lib/deploy-plan";

describe("deploy plan", () => {
  it("refuses admin tokens that are missing, the local default, short or padded", () => {
    expect(adminTokenProblem(undefined)).toMatch(/not set/);
    expect(adminTokenProblem("dev-admin-token")).toMatch(/local development/);
    expect(adminTokenProblem("short")).toMatch(/24 characters/);
    expect(adminTokenProblem(`${"a".repeat(30)} b`)).toMatch(/whitespace/);
    expect(adminTokenProblem("3f9a1c0d5e7b2a4c6d8e0f1a3b5c7d9e")).toBeNull();
  });

  it("creates an inbox and a dead-letter queue for every service, matching the service configs", () => {
    expect(queueNames()).toEqual([
      "order-inbox",
      "order-inbox-dlq",
      "inventory-inbox",
      "inventory-inbox-dlq",
      "rewards-inbox",
      "rewards-inbox-dlq",
      "view-inbox",
      "view-inbox-dlq",
    ]);
    for (const service of ["order", "inventory", "rewards", "view"]) {
      const toml = readFileSync(
        new URL(`../../workers/${service}/wrangler.toml`, import.meta.url),
        "utf8",
      );
      expect(toml).toContain(`queue = "${service}-inbox"`);
      expect(toml).toContain(`dead_letter_queue = "${service}-inbox-dlq"`);
    }
  });

  it("rewrites only the database id of a config", () => {
    const toml = readFileSync(
      new URL("../../workers/order/wrangler.toml", import.meta.url),
      "utf8",
    );
    const id = databaseIdOf(toml) as string;
    expect(isPlaceholderId(id)).toBe(true);
    const updated = withDatabaseId(toml, "9d2c7e3a-1111-4a2b-8c3d-123456789abc");
    expect(databaseIdOf(updated)).toBe("9d2c7e3a-1111-4a2b-8c3d-123456789abc");
    expect(isPlaceholderId("9d2c7e3a-1111-4a2b-8c3d-123456789abc")).toBe(false);
    expect(updated.replace("9d2c7e3a-1111-4a2b-8c3d-123456789abc", id)).toBe(toml);
  });

  it("keeps the internal services private and the whole system observable", () => {
    for (const service of ["order", "inventory", "rewards"]) {
      const toml = readFileSync(
        new URL(`../../workers/${service}/wrangler.toml`, import.meta.url),
        "utf8",
      );
      expect(toml).toMatch(/^workers_dev = false$/m);
      expect(toml).not.toMatch(/^routes?\s*=/m);
      expect(toml).toMatch(/\[observability\]\nenabled = true/);
      expect(toml).toMatch(/crons = \["\* \* \* \* \*"\]/);
    }
    expect(readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8")).toMatch(
      /\[observability\]\nenabled = true/,
    );
  });

  it("refuses to deploy a config that defines FAULTS_ENABLED or BENCH_BASELINES_ENABLED, and no committed config does", () => {
    for (const toml of [
      '[vars]\nFAULTS_ENABLED = "true"\n',
      'vars = { FAULTS_ENABLED = "false" }\n',
      '[env.staging.vars]\n  FAULTS_ENABLED = "true"\n',
    ])
      expect(devOnlyVarsProblem(toml, "x.toml")).toMatch(/x\.toml defines FAULTS_ENABLED/);
    expect(
      devOnlyVarsProblem('# FAULTS_ENABLED is set by local-stack only\nname = "x"\n', "x"),
    ).toBeNull();
    expect(devOnlyVarsProblem('[vars]\nBENCH_BASELINES_ENABLED = "true"\n', "y.toml")).toMatch(
      /y\.toml defines BENCH_BASELINES_ENABLED: the unsafe benchmark baselines/,
    );
    for (const file of [
      "wrangler.toml",
      ...["order", "inventory", "rewards"].map((s) => `workers/${s}/wrangler.toml`),
    ])
      expect(
        devOnlyVarsProblem(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"), file),
      ).toBeNull();
  });
});
