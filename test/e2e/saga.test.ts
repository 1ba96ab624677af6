import type { ErrorBody, Order } from "@edge-saga/contracts";
import { describe, expect, it } from "vitest";
import { api } from "./support/api";
import { Scenario } from "./support/scenario";
import { waitForOrder, waitForOrderToExist, waitForQuiet } from "./support/wait";

describe("order saga through the gateway", () => {
  it("confirms an order with stock and points moved", async () => {
    const s = new Scenario("happy");
    const customer = s.customer();
    const lamp = await s.product({ priceCents: 2599, stock: 10 });
    const bulb = await s.product({ priceCents: 1250, stock: 3 });
    await s.grant(customer, 1000);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [
        { sku: lamp, quantity: 2 },
        { sku: bulb, quantity: 1 },
      ],
      pointsToRedeem: 300,
    });
    expect(placed).toMatchObject({ customerId: customer, status: "PENDING", totalCents: 6448 });

    const order = await waitForOrder(placed.id, "CONFIRMED");
    expect(order).toMatchObject({
      totalCents: 6448,
      pointsRedeemed: 300,
      pointsEarned: 61, // a point per whole dollar paid: $64.48 - 300 points = $61.48
      rejectionReason: null,
    });
    expect(order.items).toEqual(
      expect.arrayContaining([
        { sku: lamp, quantity: 2, unitPriceCents: 2599 },
        { sku: bulb, quantity: 1, unitPriceCents: 1250 },
      ]),
    );

    await s.check();
    expect(await api.getProduct(lamp)).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await api.getProduct(bulb)).toMatchObject({ available: 2, reserved: 0, sold: 1 });
    expect(await api.getRewards(customer)).toMatchObject({ balance: 1000 - 300 + 61, reserved: 0 });
  });

  it("rejects an order OUT_OF_STOCK and holds nothing afterwards", async () => {
    const s = new Scenario("oos");
    const customer = s.customer();
    const scarce = await s.product({ priceCents: 500, stock: 2 });
    const plenty = await s.product({ priceCents: 100, stock: 5 });
    await s.grant(customer, 200);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [
        { sku: plenty, quantity: 1 },
        { sku: scarce, quantity: 3 },
      ],
      pointsToRedeem: 100,
    });
    const order = await waitForOrder(placed.id, "REJECTED");
    expect(order.rejectionReason).toBe("OUT_OF_STOCK");

    await s.check();
    // No partial reservation, and the held points went back.
    expect(await api.getProduct(scarce)).toMatchObject({ available: 2, reserved: 0, sold: 0 });
    expect(await api.getProduct(plenty)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await api.getRewards(customer)).toMatchObject({ balance: 200, reserved: 0 });
  });

  it("rejects an order INSUFFICIENT_POINTS and releases the stock", async () => {
    const s = new Scenario("points");
    const poor = s.customer("poor");
    const unknown = s.customer("new");
    const sku = await s.product({ priceCents: 1000, stock: 4 });
    await s.grant(poor, 50);
    await s.settle();

    const short = await s.placeOrder({
      customerId: poor,
      items: [{ sku, quantity: 1 }],
      pointsToRedeem: 500,
    });
    // A customer rewards has never seen has no points at all.
    const none = await s.placeOrder({
      customerId: unknown,
      items: [{ sku, quantity: 2 }],
      pointsToRedeem: 1,
    });
    for (const id of [short.id, none.id]) {
      expect((await waitForOrder(id, "REJECTED")).rejectionReason).toBe("INSUFFICIENT_POINTS");
    }

    await s.check();
    expect(await api.getProduct(sku)).toMatchObject({ available: 4, reserved: 0, sold: 0 });
    expect(await api.getRewards(poor)).toMatchObject({ balance: 50, reserved: 0 });
  });

  it("cancels a CONFIRMED order with stock and points restored; a REJECTED one answers 409", async () => {
    const s = new Scenario("cancel");
    const customer = s.customer();
    const sku = await s.product({ priceCents: 1999, stock: 5 });
    await s.grant(customer, 500);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [{ sku, quantity: 2 }],
      pointsToRedeem: 200,
    });
    const confirmed = await waitForOrder(placed.id, "CONFIRMED");
    expect(confirmed.pointsEarned).toBe(37); // $39.98 - 200 points = $37.98
    await waitForQuiet();
    expect(await api.getRewards(customer)).toMatchObject({ balance: 500 - 200 + 37 });

    const cancel = await api.cancelOrder(placed.id);
    expect(cancel.status).toBe(202);
    expect((cancel.body as Order).status).toBe("CANCELLED");
    await s.check();
    expect(await api.getOrder(placed.id)).toMatchObject({ status: "CANCELLED" });
    expect(await api.getProduct(sku)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await api.getRewards(customer)).toMatchObject({ balance: 500, reserved: 0 });

    const again = await api.cancelOrder(placed.id);
    expect(again.status).toBe(409);
    expect((again.body as ErrorBody).error.code).toBe("INVALID_STATE");

    const tooMany = await s.placeOrder({ customerId: customer, items: [{ sku, quantity: 6 }] });
    await waitForOrder(tooMany.id, "REJECTED");
    const rejected = await api.cancelOrder(tooMany.id);
    expect(rejected.status).toBe(409);
    expect((rejected.body as ErrorBody).error.code).toBe("INVALID_STATE");
    expect(await api.getOrder(tooMany.id)).toMatchObject({ status: "REJECTED" });
    await s.check();
  });

  it("cancels an order right after placing it, whatever the saga had done by then", async () => {
    const s = new Scenario("early-cancel");
    const customer = s.customer();
    const sku = await s.product({ priceCents: 800, stock: 3 });
    await s.grant(customer, 300);
    await s.settle();

    const placed = await s.placeOrder({
      customerId: customer,
      items: [{ sku, quantity: 3 }],
      pointsToRedeem: 100,
    });
    // Self-read: the order exists once the order service consumed its own OrderPlaced.
    await waitForOrderToExist(placed.id);
    const cancel = await api.cancelOrder(placed.id);
    expect(cancel.status).toBe(202);

    await s.check();
    expect(await api.getOrder(placed.id)).toMatchObject({ status: "CANCELLED" });
    expect(await api.getProduct(sku)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    expect(await api.getRewards(customer)).toMatchObject({ balance: 300, reserved: 0 });
  });
});
