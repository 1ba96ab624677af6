import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { newId } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, deliverAll, event, history, storedOrders } from "./helpers";

const alice = `alice-${Date.now()}`;
const orderId = newId();

describe("GET /customers/{id}/orders acts only for its caller", () => {
  beforeAll(async () => {
    await deliverAll([
      event("OrderPlaced", "order", orderId, {
        orderId,
        customerId: alice,
        items: [{ sku: "lamp", quantity: 1, unitPriceCents: 4500 }],
        totalCents: 4500,
        pointsToRedeem: 0,
      }),
    ]);
  });

  const refusal = async (headers: Record<string, string>) => {
    const before = await storedOrders();
    const res = await call(`/customers/${alice}/orders`, { headers });
    expect(await storedOrders()).toEqual(before);
    return res;
  };

  it("shows alice her own orders", async () => {
    expect((await history(alice)).orders.map((o) => o.id)).toEqual([orderId]);
  });

  it("refuses bob alice's history: 403 FORBIDDEN, nothing of hers in the answer", async () => {
    const res = await refusal(asCustomer("bob"));
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe("FORBIDDEN");
    expect(text).not.toContain(orderId);
  });

  it("answers 401 UNAUTHENTICATED with WWW-Authenticate when no verified caller came", async () => {
    const res = await refusal({});
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("UNAUTHENTICATED");
    // A malformed caller is no caller.
    expect((await refusal({ "x-edge-saga-caller": "customer:" })).status).toBe(401);
  });

  it("lets an operator read any customer's history", async () => {
    expect((await history(alice, {}, asAdmin())).orders.map((o) => o.id)).toEqual([orderId]);
  });
});
