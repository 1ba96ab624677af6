import { CALLER_HEADER } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { call, type Echo } from "./helpers";

const post = (path: string, body: unknown) =>
  call(path, {
    method: "POST",
    headers: { "content-type": "application/json", [CALLER_HEADER]: "admin:0123456789ab" },
    body: JSON.stringify(body),
  });
type Slots = { services: Record<string, Echo> };

describe("bulk dead-letter actions over the services", () => {
  it("runs the chosen service's kit route with the filter less `service`, as the admin the gateway verified", async () => {
    const res = await post("/admin/dead-letters/replay", {
      filter: { service: "payment", reason: "declined" },
      dryRun: true,
    });
    expect(res.status).toBe(200);
    const { services } = (await res.json()) as Slots;
    expect(Object.keys(services)).toEqual(["payment"]);
    expect(services.payment).toMatchObject({ method: "POST", path: "/admin/dead-letters/replay" });
    expect(JSON.parse(services.payment?.body ?? "")).toEqual({
      filter: { reason: "declined" },
      dryRun: true,
    });
    expect(services.payment?.headers[CALLER_HEADER]).toBe("admin:0123456789ab");
  });

  it("`all` asks every service with dead letters, the view included", async () => {
    const res = await post("/admin/dead-letters/discard", {
      filter: { service: "all", eventType: "OrderPlaced" },
      dryRun: false,
    });
    const { services } = (await res.json()) as Slots;
    expect(Object.keys(services).sort()).toEqual(
      ["inventory", "order", "payment", "rewards", "view"].sort(),
    );
    expect(services.view?.path).toBe("/admin/dead-letters/discard");
  });

  it("refuses a filter without a criterion, or without a service, before asking any (400)", async () => {
    for (const body of [
      { filter: { service: "all" }, dryRun: true },
      { filter: { reason: "x" }, dryRun: true },
      { filter: { service: "nope", reason: "x" }, dryRun: true },
      { filter: { service: "order", reason: "x" } },
    ]) {
      const res = await post("/admin/dead-letters/replay", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("GET /admin/dead-letters/audit gathers every service's audit", async () => {
    const res = await call("/admin/dead-letters/audit?limit=5");
    const { services } = (await res.json()) as Slots;
    expect(services.order).toMatchObject({ path: "/admin/dead-letters/audit", search: "?limit=5" });
    expect(Object.keys(services)).toHaveLength(5);
  });
});
