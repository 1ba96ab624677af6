import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { ADMIN, brokenService, call, callWith, type Echo } from "./helpers";

describe("gateway admin aggregation", () => {
  it("GET /admin/outbox gathers every service's /admin/outbox", async () => {
    const res = await call("/admin/outbox", { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get(REQUEST_ID_HEADER)).toBeTruthy();
    expect(await res.json()).toEqual({
      services: {
        order: { service: "order", pending: 0, relay: { ok: true } },
        inventory: { service: "inventory", pending: 0, relay: { ok: true } },
        rewards: { service: "rewards", pending: 0, relay: { ok: true } },
      },
    });
  });

  it("GET /admin/dead-letters gathers every service's /admin/dead-letters", async () => {
    const res = await call("/admin/dead-letters", { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      services: {
        order: { service: "order", deadLetters: [] },
        inventory: { service: "inventory", deadLetters: [] },
        rewards: { service: "rewards", deadLetters: [] },
      },
    });
  });

  it("answers 502 with the others' data when one service fails", async () => {
    const res = await callWith(
      { REWARDS: brokenService },
      new Request("https://gateway.test/admin/outbox", { headers: ADMIN }),
    );
    expect(res.status).toBe(502);
    const body = (await res.json()) as {
      error: { code: string };
      services: Record<string, { pending?: number; error?: { code: string } }>;
    };
    expect(body.error.code).toBe("UPSTREAM_FAILED");
    expect(body.services.order?.pending).toBe(0);
    expect(body.services.inventory?.pending).toBe(0);
    expect(body.services.rewards?.error?.code).toBe("UPSTREAM_UNAVAILABLE");
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

  it("refuses encoded separators in a per-service admin path", async () => {
    const res = await call("/admin/order/dead-letters%2F..%2F..%2Forders", { headers: ADMIN });
    expect(res.status).toBe(400);
  });

  it("knows only the three services", async () => {
    const res = await call("/admin/billing/outbox", { headers: ADMIN });
    expect(res.status).toBe(404);
  });
});
