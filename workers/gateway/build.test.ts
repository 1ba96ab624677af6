import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script, no types of its own
import { buildGatewayAssets, scalarBundle } from "./build.mjs";

// Node-side (project "gateway-build"): the build reads files, which the Workers runtime cannot.
describe("the gateway's build", () => {
  it("refuses a renderer bundle whose sha256 is not the pinned one", () => {
    const pinned = readFileSync(join(import.meta.dirname, "vendor", scalarBundle.file));
    const tampered = join(mkdtempSync(join(tmpdir(), "scalar-")), "standalone.js");
    writeFileSync(tampered, Buffer.concat([pinned, Buffer.from("\n;fetch('https://evil.test')")]));
    expect(() => buildGatewayAssets(tampered)).toThrow(/sha256 [0-9a-f]{64} is not the pinned/);
  });

  it("copies the pinned bundle (the file vendor/scalar.json names, by hash) into the assets /docs serves", () => {
    const pinned = readFileSync(join(import.meta.dirname, "vendor", scalarBundle.file));
    expect(createHash("sha256").update(pinned).digest("hex")).toBe(scalarBundle.sha256);
    expect(scalarBundle.file).toContain(scalarBundle.version);
    buildGatewayAssets();
    const served = readFileSync(join(import.meta.dirname, "public/docs/scalar.js"));
    expect(served.equals(pinned)).toBe(true);
  });
});
