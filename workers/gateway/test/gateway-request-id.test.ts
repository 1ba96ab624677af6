import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { brokenService, CUSTOMER, call, callWith, type Echo, JSON_TYPE } from "./helpers";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("gateway request id", () => {
  it("keeps a well-formed incoming id, sends it to the service and returns it", async () => {
    const res = await call("/orders/o1", {
      headers: { ...CUSTOMER, [REQUEST_ID_HEADER]: "trace.42_A-b" },
    });
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe("trace.42_A-b");
    expect(((await res.json()) as Echo).headers[REQUEST_ID_HEADER]).toBe("trace.42_A-b");
  });

  it.each(["", "has space", "a/b", "x".repeat(65), "<script>"])(
    "replaces the unusable incoming id %j with a fresh one",
    async (incoming) => {
      const res = await call("/products", { headers: { [REQUEST_ID_HEADER]: incoming } });
      const id = res.headers.get(REQUEST_ID_HEADER);
      expect(id).toMatch(UUID_V7);
      expect(((await res.json()) as Echo).headers[REQUEST_ID_HEADER]).toBe(id);
    },
  );

  it("makes a different id per request and the service cannot replace it", async () => {
    const [a, b] = await Promise.all([call("/products"), call("/products")]);
    expect(a.headers.get(REQUEST_ID_HEADER)).toMatch(UUID_V7);
    expect(a.headers.get(REQUEST_ID_HEADER)).not.toBe(b.headers.get(REQUEST_ID_HEADER));
    expect(a.headers.get(REQUEST_ID_HEADER)).not.toBe("set-by-service");
  });

  it.each<[string, () => Promise<Response>]>([
    ["404", () => call("/nope")],
    ["401 (customer)", () => call("/orders/o1")],
    ["400", () => call("/orders/a%2Fb", { headers: CUSTOMER })],
    ["401", () => call("/admin/outbox")],
    ["403", () => call("/admin/outbox", { headers: { authorization: "Bearer no" } })],
    [
      "415",
      () =>
        call("/orders", {
          method: "POST",
          headers: { ...CUSTOMER, "content-type": "text/plain" },
          body: "x",
        }),
    ],
    [
      "413",
      () =>
        call("/orders", {
          method: "POST",
          headers: { ...CUSTOMER, ...JSON_TYPE },
          body: "x".repeat(70_000),
        }),
    ],
    [
      "502",
      () =>
        callWith(
          { ORDER: brokenService },
          new Request("https://gateway.test/orders/o1", { headers: CUSTOMER }),
        ),
    ],
    [
      "503",
      () => callWith({ ADMIN_TOKEN: undefined }, new Request("https://gateway.test/admin/outbox")),
    ],
  ])("is on the %s error answer too", async (status, send) => {
    const res = await send();
    expect(String(res.status)).toBe(status.slice(0, 3));
    expect(res.headers.get(REQUEST_ID_HEADER)).toMatch(UUID_V7);
    expect(((await res.json()) as { error: unknown }).error).toBeDefined();
  });
});
