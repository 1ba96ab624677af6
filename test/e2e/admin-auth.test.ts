import { type ErrorBody, REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { uniqueId } from "./support/scenario";

const adminCalls = (sku: string, customer: string): [string, string, unknown][] => [
  ["PUT", `/products/${sku}`, { name: "Nope", priceCents: 1, stock: 1 }],
  ["POST", `/customers/${customer}/rewards/grants`, { points: 1_000_000 }],
  ["GET", "/admin/outbox", undefined],
  ["GET", "/admin/dead-letters", undefined],
];

describe("admin routes through the gateway", () => {
  it("refuses without a token (401) and with a wrong one (403), changing nothing", async () => {
    const sku = uniqueId("auth-sku");
    const customer = uniqueId("auth-c");
    for (const [method, path, body] of adminCalls(sku, customer)) {
      const missing = await api.request<ErrorBody>(method, path, { body });
      expect(missing.status, `${method} ${path}`).toBe(401);
      expect(missing.body.error.code).toBe("UNAUTHORIZED");
      expect(missing.headers.get(REQUEST_ID_HEADER)).toBeTruthy();

      const wrong = await api.request<ErrorBody>(method, path, {
        body,
        headers: { authorization: `Bearer ${api.adminToken}x` },
      });
      expect(wrong.status, `${method} ${path}`).toBe(403);
      expect(wrong.body.error.code).toBe("FORBIDDEN");
    }
    expect((await api.request("GET", `/products/${sku}`)).status).toBe(404);
    expect(await api.getRewards(customer)).toMatchObject({ balance: 0 });
  });

  it("keeps the public routes open and answers unknown ones with the error JSON", async () => {
    expect((await api.request("GET", "/products")).status).toBe(200);
    const unknown = await api.request<ErrorBody>("GET", "/nowhere");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
    expect(unknown.headers.get(REQUEST_ID_HEADER)).toBeTruthy();
  });

  it("returns the caller's request id", async () => {
    const id = uniqueId("trace");
    const res = await api.request("GET", "/products", { headers: { [REQUEST_ID_HEADER]: id } });
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe(id);
  });
});
