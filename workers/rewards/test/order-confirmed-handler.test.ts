import { describe, expect, it } from "vitest";
import {
  accountRow,
  awardRow,
  customerWithOrder,
  deliverRaw,
  earnedBy,
  expectConsistent,
  holdRow,
  inbox,
  ledgerRows,
  newOrder,
  orderConfirmed,
  orderPlaced,
  placedOrder,
  published,
  uniqueId,
} from "./helpers";

describe("OrderConfirmed", () => {
  it("captures the held points, awards the earned ones and publishes PointsAwarded", async () => {
    const order = await placedOrder(40, 12_345);
    const { customerId } = order;
    const event = orderConfirmed(order);
    await inbox(event);

    // floor((12345 - 40) / 100) = 123
    expect(earnedBy(order)).toBe(123);
    expect(await holdRow(order.orderId)).toMatchObject({ status: "CAPTURED", points: 40 });
    expect(await awardRow(order.orderId)).toEqual({ points: 123, status: "AWARDED" });
    expect(await accountRow(customerId)).toEqual({
      balance: 100 - 40 + 123,
      reserved: 0,
      lifetime_earned: 123,
    });
    expect(
      (await ledgerRows(customerId)).map((r) => [r.kind, r.points, r.order_id, r.causation_id]),
    ).toEqual([
      ["GRANT", 100, null, expect.any(String)],
      ["REDEEM", -40, order.orderId, event.id],
      ["EARN", 123, order.orderId, event.id],
    ]);
    const awarded = (await published(order.orderId)).filter((e) => e.type === "PointsAwarded");
    expect(awarded).toHaveLength(1);
    expect(awarded[0]).toMatchObject({
      aggregateType: "customer",
      aggregateId: customerId,
      correlationId: order.orderId,
      causationId: event.id,
      payload: { orderId: order.orderId, customerId, points: 123 },
    });
    await expectConsistent(customerId, { grants: 100, confirmed: [order] });
  });

  it("awards an order that redeemed nothing, opening the account if needed", async () => {
    const customerId = uniqueId("cust");
    const order = newOrder(customerId, 0, 5_099);
    await inbox(orderPlaced(order), orderConfirmed(order));
    expect(await holdRow(order.orderId)).toBeNull();
    expect(await accountRow(customerId)).toEqual({ balance: 50, reserved: 0, lifetime_earned: 50 });
    await expectConsistent(customerId, { grants: 0, confirmed: [order] });
  });

  it("publishes PointsAwarded with 0 points when the order earned nothing", async () => {
    const order = await placedOrder(99, 100);
    const { customerId } = order;
    await inbox(orderConfirmed(order));
    expect(earnedBy(order)).toBe(0);
    expect(await awardRow(order.orderId)).toEqual({ points: 0, status: "AWARDED" });
    const awarded = (await published(order.orderId)).filter((e) => e.type === "PointsAwarded");
    expect(awarded.map((e) => e.payload.points)).toEqual([0]);
    expect((await ledgerRows(customerId)).map((r) => r.kind)).toEqual(["GRANT", "REDEEM"]);
    await expectConsistent(customerId, { grants: 100, confirmed: [order] });
  });

  it("captures and awards once when the confirmation is replayed", async () => {
    const order = await placedOrder(20);
    const { customerId } = order;
    const event = orderConfirmed(order);
    await inbox(event, event);
    await inbox(event);
    // Re-announced under a new event id: the awards key refuses it, the re-read skips it.
    await inbox(orderConfirmed(order));

    expect(await accountRow(customerId)).toEqual({
      balance: 100 - 20 + earnedBy(order),
      reserved: 0,
      lifetime_earned: earnedBy(order),
    });
    expect((await published(order.orderId)).map((e) => e.type)).toEqual([
      "PointsReserved",
      "PointsAwarded",
    ]);
    await expectConsistent(customerId, { grants: 100, confirmed: [order] });
  });

  it("applies two concurrent confirmations of one order once", async () => {
    const order = await placedOrder(20);
    const { customerId } = order;
    const results = await Promise.all([
      deliverRaw(orderConfirmed(order)),
      deliverRaw(orderConfirmed(order)),
    ]);
    for (const result of results) expect(result.retryMessages).toEqual([]);
    expect((await published(order.orderId)).filter((e) => e.type === "PointsAwarded")).toHaveLength(
      1,
    );
    await expectConsistent(customerId, { grants: 100, confirmed: [order] });
  });

  it("retries (and so finally dead-letters) a confirmation for points that were never held", async () => {
    const order = await customerWithOrder(30);
    const { customerId } = order;
    const result = await deliverRaw(orderConfirmed(order));
    expect(result.retryMessages).toHaveLength(1);
    expect(await awardRow(order.orderId)).toBeNull();
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    expect(await published(order.orderId)).toEqual([]);
  });
});
