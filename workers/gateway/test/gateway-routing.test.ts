import { describe, expect, it } from "vitest";
import {
  ADMIN,
  brokenService,
  CUSTOMER,
  call,
  callWith,
  type Echo,
  errorCode,
  JSON_TYPE,
} from "./helpers";

describe("gateway routing table", () => {
  it.each([
    ["GET", "/products", "inventory", "/products"],
    ["GET", "/products/sku-1", "inventory", "/products/sku-1"],
    ["PUT", "/products/sku-1", "inventory", "/products/sku-1"],
    ["POST", "/orders", "order", "/orders"],
    ["GET", "/orders?customerId=c1&limit=5", "order", "/orders"],
    ["GET", "/orders/o.1_x-Y", "order", "/orders/o.1_x-Y"],
    ["POST", "/orders/o1/cancel", "order", "/orders/o1/cancel"],
    ["GET", "/orders/o1/history", "order", "/orders/o1/history"],
    ["GET", "/customers/c1/rewards", "rewards", "/customers/c1/rewards"],
    ["POST", "/customers/c1/rewards/grants", "rewards", "/customers/c1/rewards/grants"],
    ["GET", "/customers/c1/rewards/ledger?limit=5", "rewards", "/customers/c1/rewards/ledger"],
    ["GET", "/customers/c1/orders?limit=5", "view", "/customers/c1/orders"],
    ["POST", "/admin/view/projection/rebuild", "view", "/admin/projection/rebuild"],
    ["POST", "/admin/order/replay", "order", "/admin/replay"],
    ["GET", "/customers/c1/rewards/history?cursor=9", "rewards", "/customers/c1/rewards/history"],
  ])("%s %s -> %s %s", async (method, path, service, servicePath) => {
    const hasBody = method !== "GET";
    const res = await call(path, {
      method,
      headers: { ...ADMIN, ...(hasBody ? JSON_TYPE : {}) },
      body: hasBody ? "{}" : undefined,
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ service, method, path: servicePath });
    expect(echo.search).toBe(new URL(path, "https://x").search);
  });

  it.each([
    ["GET", "/nope"],
    ["GET", "/products/a/b"],
    ["GET", "/orders/o1/items"],
    ["GET", "/customers/c1"],
    ["GET", "/customers/c1/points"],
    ["GET", "/admin-ish"],
  ])("answers unknown path %s %s with 404 NOT_FOUND", async (method, path) => {
    const res = await call(path, { method, headers: ADMIN });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "NOT_FOUND", message: expect.any(String) },
    });
  });

  it.each([
    ["DELETE", "/orders", "GET, POST"],
    ["PUT", "/orders", "GET, POST"],
    ["DELETE", "/orders/o1", "GET"],
    ["POST", "/orders/o1", "GET"],
    ["GET", "/orders/o1/cancel", "POST"],
    ["HEAD", "/orders/o1/cancel", "POST"],
    ["DELETE", "/products/sku-1", "GET, PUT"],
    ["POST", "/products", "GET"],
    ["GET", "/customers/c1/rewards/grants", "POST"],
    ["DELETE", "/customers/c1/orders", "GET"],
    ["POST", "/", "GET"],
    ["POST", "/openapi.json", "GET"],
    ["DELETE", "/admin/outbox", "GET"],
    ["DELETE", "/admin/order/outbox", "GET"],
    ["GET", "/admin/inventory/maintenance", "POST"],
    ["PUT", "/admin/rewards/replay", "GET, POST"],
    ["GET", "/admin/payment/dead-letters/dl-1/discard", "POST"],
  ])("answers %s %s with 405 METHOD_NOT_ALLOWED, Allow: %s", async (method, path, allow) => {
    const res = await call(path, { method, headers: { ...ADMIN, ...JSON_TYPE }, body: undefined });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    if (method !== "HEAD") {
      expect(await res.json()).toEqual({
        error: { code: "METHOD_NOT_ALLOWED", message: expect.stringContaining(allow) },
      });
    }
    // No service was asked: the echo would have answered 200.
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("lists every method of a path in Allow, from the routes it serves", async () => {
    // The service admin forward takes any write method; OPTIONS is still not one of them.
    const res = await call("/admin/view/projection/rebuild", { method: "OPTIONS", headers: ADMIN });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST, PUT, PATCH, DELETE");
    // A kit admin path is served at its own methods only, the forward's verbs not among them.
    const faults = await call("/admin/order/faults", { method: "PATCH", headers: ADMIN });
    expect(faults.status).toBe(405);
    expect(faults.headers.get("allow")).toBe("GET, PUT, DELETE");
  });

  it.each([
    "/orders/a%2Fb",
    "/orders/a%2F..%2Fadmin%2Foutbox",
    "/products/sku%20with%20spaces",
    `/products/${"x".repeat(65)}`,
    "/customers/c%3F1/rewards",
    "/customers/%2E%2E%2Fadmin/rewards",
    "/orders/caf%C3%A9",
  ])("rejects the bad id in %s with 400 before any service sees it", async (path) => {
    const res = await call(path, { headers: ADMIN });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details.length).toBeGreaterThan(0);
  });

  it("rejects an encoded traversal on a write route too", async () => {
    const res = await call("/orders/..%2F..%2Fadmin%2Foutbox/cancel", {
      method: "POST",
      headers: CUSTOMER,
    });
    expect(res.status).toBe(400);
  });

  it("forwards dot segments only as the path they resolve to", async () => {
    // The URL parser resolves `..`, `.` and `%2E%2E` before the gateway routes; the service gets
    // the resolved path, never the raw one.
    for (const [path, service, servicePath] of [
      ["/orders/../products/sku-1", "inventory", "/products/sku-1"],
      ["/orders/%2E%2E/products", "inventory", "/products"],
      ["/customers/c1/rewards/./../rewards", "rewards", "/customers/c1/rewards"],
    ]) {
      const res = await call(path!, { headers: CUSTOMER });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ service, path: servicePath });
    }
    // `/orders/..` is `/`: the dashboard page, the operations Worker's, no other service called.
    const root = await call("/orders/..");
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ service: "operations", path: "/" });
    expect((await call("/orders/../admin/outbox")).status).toBe(401);
  });

  it("forwards the query string, Idempotency-Key, content type and body", async () => {
    const res = await call("/orders?dryRun=1&x=%2F", {
      method: "POST",
      headers: {
        ...CUSTOMER,
        ...JSON_TYPE,
        "idempotency-key": "key-1",
        accept: "application/json",
      },
      body: '{"customerId":"c1"}',
    });
    const echo = (await res.json()) as Echo;
    expect(echo.search).toBe("?dryRun=1&x=%2F");
    expect(echo.body).toBe('{"customerId":"c1"}');
    expect(echo.headers["idempotency-key"]).toBe("key-1");
    expect(echo.headers["content-type"]).toBe("application/json");
  });

  it("forwards Prefer (wait=N for an order's outcome) to the service", async () => {
    const res = await call("/orders/o1", { headers: { ...CUSTOMER, prefer: "wait=5" } });
    expect(((await res.json()) as Echo).headers.prefer).toBe("wait=5");
  });

  it("keeps Authorization, cookies and other caller headers away from services", async () => {
    const res = await call("/products/sku-1", {
      method: "PUT",
      headers: { ...ADMIN, ...JSON_TYPE, cookie: "session=1", "x-forwarded-for": "1.2.3.4" },
      body: "{}",
    });
    const echo = (await res.json()) as Echo;
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers["x-forwarded-for"]).toBeUndefined();
  });

  it("passes the service's status and headers (Location, Idempotent-Replayed) through", async () => {
    const res = await call("/orders?status=201", {
      method: "POST",
      headers: { ...CUSTOMER, ...JSON_TYPE },
      body: "{}",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/echo/order");
    expect(res.headers.get("idempotent-replayed")).toBe("true");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("answers 502 UPSTREAM_UNAVAILABLE when a service binding fails", async () => {
    const res = await callWith(
      { ORDER: brokenService },
      new Request("https://gateway.test/orders/o1", { headers: CUSTOMER }),
    );
    expect(res.status).toBe(502);
    expect(await errorCode(res)).toBe("UPSTREAM_UNAVAILABLE");
  });
});
