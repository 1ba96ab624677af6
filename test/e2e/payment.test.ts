import type { ErrorBody } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { Scenario, uniqueId } from "./support/scenario";
import { poll, waitForOrder } from "./support/wait";

/** Waits until the order's payment reaches `status` (the view of the processor lags the order). */
function waitForPayment(orderId: string, status: string) {
  return poll(
    async () => {
      const payment = await api.getPayment(orderId);
      return payment.status === status ? payment : undefined;
    },
    { what: `payment of ${orderId} ${status}`, timeoutMs: 20_000 },
  );
}

describe("payment through the gateway", () => {
  it("a confirmed order is captured for what points do not pay, and its cancel refunds it", async () => {
    const s = new Scenario("paid");
    const customer = s.customer();
    const lamp = await s.product({ priceCents: 2599, stock: 5 });
    await s.grant(customer, 500);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [{ sku: lamp, quantity: 2 }],
      pointsToRedeem: 198,
      paymentMethod: "tok_visa",
    });
    await waitForOrder(placed.id, "CONFIRMED");
    expect(await waitForPayment(placed.id, "CAPTURED")).toEqual({
      orderId: placed.id,
      status: "CAPTURED",
      amountCents: 5198 - 198,
    });
    await s.check();

    expect((await api.cancelOrder(placed.id)).status).toBe(202);
    await waitForPayment(placed.id, "REFUNDED");
    await s.check();
    expect(await api.getProduct(lamp)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await api.getRewards(customer)).toMatchObject({ balance: 500, reserved: 0 });
  });

  // tok_bogus: a token the processor never issued, refused (400 resource_missing) as a decline.
  it.each([["tok_declined"], ["tok_insufficient_funds"], ["tok_bogus"]])(
    "a declined or unknown card (%s) rejects the order PAYMENT_DECLINED and releases stock and points",
    async (token) => {
      const s = new Scenario("declined");
      const customer = s.customer();
      const lamp = await s.product({ priceCents: 1500, stock: 3 });
      await s.grant(customer, 400);
      await s.settle();

      const placed = await s.placeOrder({
        customerId: customer,
        items: [{ sku: lamp, quantity: 1 }],
        pointsToRedeem: 300,
        paymentMethod: token,
      });
      const order = await waitForOrder(placed.id, "REJECTED");
      expect(order.rejectionReason).toBe("PAYMENT_DECLINED");
      expect(await api.getPayment(placed.id)).toEqual({
        orderId: placed.id,
        status: "DECLINED",
        amountCents: 1200,
      });
      await s.check();
      expect(await api.getProduct(lamp)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
      expect(await api.getRewards(customer)).toMatchObject({ balance: 400, reserved: 0 });
    },
  );

  it("an order paid entirely with points never calls the processor", async () => {
    const s = new Scenario("points-only");
    const customer = s.customer();
    const mug = await s.product({ priceCents: 700, stock: 2 });
    await s.grant(customer, 700);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [{ sku: mug, quantity: 1 }],
      pointsToRedeem: 700,
      paymentMethod: "tok_declined",
    });
    await waitForOrder(placed.id, "CONFIRMED");
    expect(await api.getPayment(placed.id)).toEqual({
      orderId: placed.id,
      status: "NOT_REQUIRED",
      amountCents: 0,
    });
    await s.check();
    const trace = await api.expect<{ payment?: unknown; events: { type: string }[] }>(
      200,
      "GET",
      `/orders/${placed.id}/trace`,
      { as: placed.customerId },
    );
    expect(JSON.stringify(trace.body)).not.toMatch(/payment:[^"]*:authorize/);
  });

  it("answers 404 for an unknown order and 400 for a bad id", async () => {
    const as = { as: uniqueId("pay-nobody") };
    const unknown = await api.request("GET", "/orders/no-such-order/payment", as);
    expect(unknown.status).toBe(404);
    const bad = await api.request("GET", "/orders/bad%20id/payment", as);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.code).toBe("VALIDATION_FAILED");
  });
});
