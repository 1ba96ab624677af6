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
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  placedOrder,
  published,
  uniqueId,
} from "./helpers";

describe("OrderCancelled", () => {
  it("releases the points of a pending order", async () => {
    const order = await placedOrder(60);
    const { customerId } = order;
    const event = orderCancelled(order, "PENDING");
    await inbox(event, event);

    expect(await holdRow(order.orderId)).toMatchObject({ status: "CANCELLED", points: 60 });
    expect(await awardRow(order.orderId)).toEqual({ points: 0, status: "REVOKED" });
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("refunds the redeemed points and claws back the earned ones of a confirmed order", async () => {
    const order = await customerWithOrder(40, 20_000);
    const { customerId } = order;
    await inbox(orderPlaced(order), orderConfirmed(order));
    const event = orderCancelled(order, "CONFIRMED");
    await inbox(event);
    await inbox(event);
    await inbox(orderCancelled(order, "CONFIRMED"));

    expect(await holdRow(order.orderId)).toMatchObject({ status: "REFUNDED", points: 40 });
    expect(await awardRow(order.orderId)).toEqual({ points: earnedBy(order), status: "REVOKED" });
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    expect((await ledgerRows(customerId)).map((r) => [r.kind, r.points, r.causation_id])).toEqual([
      ["GRANT", 100, expect.any(String)],
      ["REDEEM", -40, expect.any(String)],
      ["EARN", earnedBy(order), expect.any(String)],
      ["REFUND", 40, event.id],
      ["CLAWBACK", -earnedBy(order), event.id],
    ]);
    // Compensation publishes nothing: the order service already knows the order is cancelled.
    expect((await published(order.orderId)).map((e) => e.type)).toEqual([
      "PointsReserved",
      "PointsAwarded",
    ]);
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("takes back earned points already spent, leaving a negative balance", async () => {
    const customerId = uniqueId("cust");
    const earning = newOrder(customerId, 0, 5_000); // earns 50
    await inbox(orderPlaced(earning), orderConfirmed(earning));
    const spending = newOrder(customerId, 50, 5_000); // spends them, earns 49
    await inbox(orderPlaced(spending));
    await inbox(orderConfirmed(spending));
    expect(await accountRow(customerId)).toEqual({ balance: 49, reserved: 0, lifetime_earned: 99 });

    await inbox(orderCancelled(earning, "CONFIRMED"));
    expect(await accountRow(customerId)).toEqual({ balance: -1, reserved: 0, lifetime_earned: 49 });
    await expectConsistent(customerId, { grants: 0, confirmed: [spending] });

    // A negative balance redeems nothing.
    const broke = newOrder(customerId, 1);
    await inbox(orderPlaced(broke));
    expect((await holdRow(broke.orderId))?.status).toBe("FAILED");
  });

  it("makes a late confirmation capture and award nothing when the cancel overtook it", async () => {
    const order = await placedOrder(60);
    const { customerId } = order;
    await inbox(orderCancelled(order, "CONFIRMED"));
    const late = orderConfirmed(order);
    await inbox(late);
    await inbox(late);

    expect(await holdRow(order.orderId)).toMatchObject({ status: "CANCELLED" });
    expect(await awardRow(order.orderId)).toEqual({ points: 0, status: "REVOKED" });
    expect((await ledgerRows(customerId)).map((r) => r.kind)).toEqual(["GRANT"]);
    expect((await published(order.orderId)).map((e) => e.type)).toEqual(["PointsReserved"]);
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("leaves tombstones when it overtakes OrderPlaced: nothing is held, captured or awarded later", async () => {
    const order = await customerWithOrder(60);
    const { customerId } = order;
    await inbox(orderCancelled(order, "PENDING"));
    expect(await holdRow(order.orderId)).toEqual({
      customer_id: customerId,
      points: 0,
      status: "CANCELLED",
    });
    await inbox(orderPlaced(order));

    expect(await holdRow(order.orderId)).toMatchObject({ status: "CANCELLED", points: 0 });
    expect(await published(order.orderId)).toEqual([]);
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("converges when cancel and confirm are delivered concurrently", async () => {
    for (let round = 0; round < 5; round++) {
      const order = await placedOrder(30);
      const { customerId } = order;
      const results = await Promise.all([
        deliverRaw(orderConfirmed(order)),
        deliverRaw(orderCancelled(order, "CONFIRMED")),
      ]);
      for (const result of results) expect(result.retryMessages).toEqual([]);
      expect(["CANCELLED", "REFUNDED"]).toContain((await holdRow(order.orderId))?.status);
      expect((await awardRow(order.orderId))?.status).toBe("REVOKED");
      await expectConsistent(customerId, { grants: 100, confirmed: [] });
    }
  });

  it("converges when a pending order's cancel races its OrderPlaced", async () => {
    for (let round = 0; round < 5; round++) {
      const order = await customerWithOrder(30);
      const { customerId } = order;
      const results = await Promise.all([
        deliverRaw(orderPlaced(order)),
        deliverRaw(orderCancelled(order, "PENDING")),
      ]);
      for (const result of results) expect(result.retryMessages).toEqual([]);
      expect((await holdRow(order.orderId))?.status).toBe("CANCELLED");
      await expectConsistent(customerId, { grants: 100, confirmed: [] });
    }
  });
});
