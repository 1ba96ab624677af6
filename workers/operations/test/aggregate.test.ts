import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { brokenService, call, callWith } from "./helpers";

describe("admin aggregates", () => {
  it("GET /admin/outbox gathers every service's /admin/outbox, under the gateway's request id", async () => {
    const res = await call("/admin/outbox", {
      headers: { [REQUEST_ID_HEADER]: "req-from-gateway" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      services: {
        order: { service: "order", pending: 0, relay: { ok: true } },
        inventory: { service: "inventory", pending: 0, relay: { ok: true } },
        rewards: { service: "rewards", pending: 0, relay: { ok: true } },
        payment: { service: "payment", pending: 0, relay: { ok: true } },
      },
    });
  });

  it("GET /dead-letters gathers every service's /admin/dead-letters", async () => {
    const res = await call("/admin/dead-letters");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      services: {
        order: { service: "order", deadLetters: [] },
        inventory: { service: "inventory", deadLetters: [] },
        rewards: { service: "rewards", deadLetters: [] },
        payment: { service: "payment", deadLetters: [] },
      },
    });
  });

  it("answers 502 with the others' data when one service fails", async () => {
    const res = await callWith({ REWARDS: brokenService }, "/admin/outbox");
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
});
