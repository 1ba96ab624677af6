import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  accountRow,
  customerWithOrder,
  deliverRaw,
  expectConsistent,
  grant,
  holdRow,
  inbox,
  newOrder,
  orderPlaced,
  published,
  uniqueId,
} from "./helpers";

describe("OrderPlaced", () => {
  it("holds the points and publishes PointsReserved, caused by the order", async () => {
    const order = await customerWithOrder(40);
    const { customerId } = order;
    const event = orderPlaced(order);
    await inbox(event);

    expect(await holdRow(order.orderId)).toEqual({
      customer_id: customerId,
      points: 40,
      status: "HELD",
    });
    expect(await accountRow(customerId)).toEqual({
      balance: 100,
      reserved: 40,
      lifetime_earned: 0,
    });
    const events = await published(order.orderId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "PointsReserved",
      source: "rewards",
      aggregateType: "customer",
      aggregateId: customerId,
      correlationId: order.orderId,
      causationId: event.id,
      payload: { orderId: order.orderId, customerId, points: 40 },
    });
    await expectConsistent(customerId, { grants: 100, confirmed: [], quiet: false });
  });

  it("holds exactly the available points, and no more", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    const all = newOrder(customerId, 100);
    const oneMore = newOrder(customerId, 1);
    await inbox(orderPlaced(all));
    await inbox(orderPlaced(oneMore));
    expect((await holdRow(all.orderId))?.status).toBe("HELD");
    expect((await holdRow(oneMore.orderId))?.status).toBe("FAILED");
  });

  it("reports INSUFFICIENT_POINTS and holds nothing when the points are not available", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 50);
    const order = newOrder(customerId, 51);
    const event = orderPlaced(order);
    await inbox(event);

    expect(await holdRow(order.orderId)).toEqual({
      customer_id: customerId,
      points: 51,
      status: "FAILED",
    });
    expect(await accountRow(customerId)).toEqual({ balance: 50, reserved: 0, lifetime_earned: 0 });
    const events = await published(order.orderId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "PointsReservationFailed",
      aggregateType: "customer",
      aggregateId: customerId,
      correlationId: order.orderId,
      causationId: event.id,
      payload: { orderId: order.orderId, customerId, points: 51, reason: "INSUFFICIENT_POINTS" },
    });
  });

  it("treats a customer without an account as having no points", async () => {
    const customerId = uniqueId("cust");
    const order = newOrder(customerId, 1);
    await inbox(orderPlaced(order));
    expect((await holdRow(order.orderId))?.status).toBe("FAILED");
    expect(await accountRow(customerId)).toBeNull();
    expect((await published(order.orderId)).map((e) => e.type)).toEqual([
      "PointsReservationFailed",
    ]);
  });

  it("does nothing for an order that redeems no points (the order service does not wait)", async () => {
    const order = await customerWithOrder(0);
    const { customerId } = order;
    const event = orderPlaced(order);
    await inbox(event);
    expect(await holdRow(order.orderId)).toBeNull();
    expect(await published(order.orderId)).toEqual([]);
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    const seen = await env.DB.prepare("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?")
      .bind(event.id)
      .first<{ n: number }>();
    expect(seen?.n).toBe(1);
  });

  it("holds once when the same OrderPlaced arrives twice in a batch and again later", async () => {
    const order = await customerWithOrder(30);
    const { customerId } = order;
    const event = orderPlaced(order);
    await inbox(event, event);
    await inbox(event);
    // The same order announced again under another event id must not hold twice either.
    await inbox(orderPlaced(order));

    expect(await accountRow(customerId)).toEqual({
      balance: 100,
      reserved: 30,
      lifetime_earned: 0,
    });
    expect((await published(order.orderId)).map((e) => e.type)).toEqual(["PointsReserved"]);
  });

  it("lets exactly one of two concurrent orders wanting 60 of 100 points hold them", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    const first = newOrder(customerId, 60);
    const second = newOrder(customerId, 60);
    const results = await Promise.all([
      deliverRaw(orderPlaced(first)),
      deliverRaw(orderPlaced(second)),
    ]);
    for (const result of results) expect(result.retryMessages).toEqual([]);

    const statuses = [
      (await holdRow(first.orderId))?.status,
      (await holdRow(second.orderId))?.status,
    ].sort();
    expect(statuses).toEqual(["FAILED", "HELD"]);
    expect(await accountRow(customerId)).toEqual({
      balance: 100,
      reserved: 60,
      lifetime_earned: 0,
    });
    const types = [...(await published(first.orderId)), ...(await published(second.orderId))]
      .map((e) => e.type)
      .sort();
    expect(types).toEqual(["PointsReservationFailed", "PointsReserved"]);
    await expectConsistent(customerId, { grants: 100, confirmed: [], quiet: false });
  });

  it("never over-reserves under many concurrent orders", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    const orders = Array.from({ length: 8 }, () => newOrder(customerId, 30));
    await Promise.all(orders.map((o) => deliverRaw(orderPlaced(o))));
    const held = (await Promise.all(orders.map((o) => holdRow(o.orderId)))).filter(
      (h) => h?.status === "HELD",
    );
    expect(held).toHaveLength(3);
    expect((await accountRow(customerId))?.reserved).toBe(90);
  });
});
