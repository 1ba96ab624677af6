import { createConfig, lintFromString, type NormalizedProblem } from "@redocly/openapi-core";
import { beforeAll, describe, expect, it } from "vitest";
import { gatewayRouteTables, openApiDocument, registry } from "../src/http";

const lint = async (document: unknown) =>
  lintFromString({
    source: JSON.stringify(document),
    absoluteRef: "openapi.json",
    config: await createConfig({ extends: ["recommended"] }),
  });

const show = (problems: NormalizedProblem[]) =>
  problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`);

describe("the OpenAPI document under Redocly's recommended rules", () => {
  let problems: NormalizedProblem[];

  beforeAll(async () => {
    // What the gateway's mount does as it serves each route (the document lists what it serves).
    for (const routes of gatewayRouteTables)
      for (const route of Object.values(routes)) registry.registerPath(route);
    problems = await lint(openApiDocument());
  });

  it("has no error", () => {
    expect(show(problems.filter((p) => p.severity === "error"))).toEqual([]);
  });

  it("warns only of what it cannot honestly have: a license, a 4XX on GETs that have none", () => {
    const warned = new Set(problems.filter((p) => p.severity === "warn").map((p) => p.ruleId));
    expect([...warned].sort()).toEqual(["info-license", "operation-4xx-response"]);
  });

  it("fails a public operation without `security: []`, as the linter is run here", async () => {
    // The linter and its config catch what the contract prevents: the test can fail.
    const document = structuredClone(openApiDocument());
    delete document.paths?.["/products"]?.get?.security;
    const errors = (await lint(document)).filter((p) => p.severity === "error");
    expect(show(errors)).toEqual([
      expect.stringMatching(/^security-defined #\/paths\/~1products\/get/),
    ]);
  });
});
