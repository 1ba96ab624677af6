import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { CALLER_HEADER } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { ADMIN, brokenService, CUSTOMER, call, callWith, type Echo, errorCode } from "./helpers";

describe("gateway: operations and per-service admin routes", () => {
  it.each(["consistency", "stats"])(
    "GET /admin/%s: the operations Worker's view at the same path, with the query, behind the admin token",
    async (view) => {
      expect((await call(`/admin/${view}`)).status).toBe(401);
      const res = await call(`/admin/${view}?minutes=5`, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(res.headers.get(REQUEST_ID_HEADER)).toBeTruthy();
      const echo = (await res.json()) as Echo;
      expect(echo).toMatchObject({
        service: "operations",
        path: `/admin/${view}`,
        search: "?minutes=5",
      });
      expect(echo.headers.authorization).toBeUndefined();
    },
  );

  it.each([
    ["outbox", { pending: 0 }],
    ["dead-letters", { deadLetters: [] }],
  ])("GET /admin/%s: the operations Worker's view at the same path", async (view, answer) => {
    expect((await call(`/admin/${view}`)).status).toBe(401);
    // The stand-in answers these paths as a service's kit route would: only that exact path.
    const res = await call(`/admin/${view}`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ service: "operations", ...answer });
  });

  it("answers 502 UPSTREAM_UNAVAILABLE when the operations Worker is down", async () => {
    const res = await callWith(
      { OPERATIONS: brokenService },
      new Request("https://gateway.test/admin/outbox", { headers: ADMIN }),
    );
    expect(res.status).toBe(502);
    expect(await errorCode(res)).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("GET /orders/{id}/trace goes to the operations Worker as the caller (not the admin token); a bad id is refused first", async () => {
    const res = await call("/orders/o-1/trace", { headers: CUSTOMER });
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({ service: "operations", path: "/orders/o-1/trace" });
    expect(echo.headers[CALLER_HEADER]).toBe("customer:c1");
    expect((await call("/orders/o-1/trace")).status).toBe(401);
    expect((await call("/orders/a%2Fb/trace", { headers: CUSTOMER })).status).toBe(400);
  });

  it("GET / is the operations Worker's dashboard", async () => {
    const echo = (await (await call("/")).json()) as Echo;
    expect(echo).toMatchObject({ service: "operations", method: "GET", path: "/" });
  });

  it("forwards /admin/{service}/... to that service's /admin/...", async () => {
    const res = await call("/admin/rewards/dead-letters/dl-1/replay?dryRun=1", {
      method: "POST",
      headers: ADMIN,
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo).toMatchObject({
      service: "rewards",
      method: "POST",
      path: "/admin/dead-letters/dl-1/replay",
      search: "?dryRun=1",
    });
    expect(echo.headers.authorization).toBeUndefined();
  });

  it.each([
    // A kit route served at its own methods (the fault plan's PUT and DELETE).
    ["PUT", "order", "faults"],
    ["DELETE", "order", "faults"],
    // A service's own admin route: the forward takes any write method.
    ["PUT", "view", "projection/rebuild"],
    ["DELETE", "view", "projection/rebuild"],
    ["PATCH", "view", "projection/rebuild"],
  ])("forwards %s /admin/%s/%s to that service's /admin/...", async (method, service, path) => {
    const res = await call(`/admin/${service}/${path}`, {
      method,
      headers: { ...ADMIN, "content-type": "application/json" },
      body: method === "DELETE" ? undefined : "{}",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ service, method, path: `/admin/${path}` });
  });

  it("refuses a kit route's body at the gateway as its definition says (PUT .../faults needs one)", async () => {
    const res = await call("/admin/order/faults", { method: "PUT", headers: ADMIN });
    expect(res.status).toBe(415);
  });

  it("refuses encoded separators in a per-service admin path", async () => {
    const res = await call("/admin/order/dead-letters%2F..%2F..%2Forders", { headers: ADMIN });
    expect(res.status).toBe(400);
  });

  it("knows only the three services", async () => {
    const res = await call("/admin/billing/outbox", { headers: ADMIN });
    expect(res.status).toBe(404);
  });
});
