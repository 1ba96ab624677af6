import { describe, expect, it } from "vitest";
import { ADMIN, call, callWith, type Echo, errorCode, JSON_TYPE } from "./helpers";

const adminRoutes: [string, string][] = [
  ["PUT", "/products/sku-1"],
  ["POST", "/customers/c1/rewards/grants"],
  ["GET", "/admin/outbox"],
  ["GET", "/admin/dead-letters"],
  ["POST", "/admin/order/dead-letters/d1/replay"],
  ["GET", "/admin/no-such-thing"],
  ["GET", "/admin"],
];

const init = (method: string, headers: Record<string, string>): RequestInit => ({
  method,
  headers: { ...JSON_TYPE, ...headers },
  body: method === "GET" ? undefined : "{}",
});

describe("gateway admin token", () => {
  it.each(adminRoutes)("%s %s without a token -> 401 UNAUTHORIZED", async (method, path) => {
    const res = await call(path, init(method, {}));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await errorCode(res)).toBe("UNAUTHORIZED");
  });

  it.each(adminRoutes)("%s %s with a wrong token -> 403 FORBIDDEN", async (method, path) => {
    for (const token of ["wrong", "test-admin-token-", "test-admin-toke", "TEST-ADMIN-TOKEN"]) {
      const res = await call(path, init(method, { authorization: `Bearer ${token}` }));
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("FORBIDDEN");
    }
  });

  it("treats a non-Bearer Authorization as no token (401)", async () => {
    for (const authorization of ["Basic dGVzdDp0ZXN0", "test-admin-token", "Bearer", "Bearer "]) {
      const res = await call("/admin/outbox", { headers: { authorization } });
      expect(res.status).toBe(401);
    }
  });

  it("lets the right token through, with any case of the scheme", async () => {
    const put = await call("/products/sku-1", init("PUT", ADMIN));
    expect(put.status).toBe(200);
    expect(((await put.json()) as Echo).service).toBe("inventory");
    const grant = await call(
      "/customers/c1/rewards/grants",
      init("POST", { authorization: "bearer test-admin-token" }),
    );
    expect(grant.status).toBe(200);
    expect(((await grant.json()) as Echo).service).toBe("rewards");
  });

  it("checks the token before the body or the ids (no probing without it)", async () => {
    const res = await call("/products/bad%2Fsku", { method: "PUT", body: "x" });
    expect(res.status).toBe(401);
  });

  it("answers an unknown admin path with 404 only to an admin", async () => {
    const res = await call("/admin/no-such-thing", { headers: ADMIN });
    expect(res.status).toBe(404);
  });

  it("leaves the public routes open", async () => {
    for (const path of ["/products", "/products/sku-1", "/openapi.json", "/docs", "/"]) {
      expect((await call(path)).status).toBe(200);
    }
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])(
    "answers 503 ADMIN_DISABLED when ADMIN_TOKEN is %s, never falling back to a default",
    async (_, token) => {
      for (const authorization of [
        undefined,
        "Bearer dev-admin-token",
        "Bearer ",
        "Bearer undefined",
      ]) {
        const res = await callWith(
          { ADMIN_TOKEN: token },
          new Request("https://gateway.test/admin/outbox", {
            headers: authorization ? { authorization } : {},
          }),
        );
        expect(res.status).toBe(503);
        expect(await errorCode(res)).toBe("ADMIN_DISABLED");
      }
      const open = await callWith(
        { ADMIN_TOKEN: token },
        new Request("https://gateway.test/products"),
      );
      expect(open.status).toBe(200);
    },
  );
});
