import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const call = (path: string) => exports.default.fetch(`http://svc${path}`);

describe("payment service", () => {
  it("serves the kit's admin routes over its own database", async () => {
    const response = await call("/admin/outbox");
    expect(response.status).toBe(200);
  });

  it("answers an unknown path with the kit's JSON 404", async () => {
    const response = await call("/no-such-route");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});
