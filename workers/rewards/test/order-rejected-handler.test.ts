import { describe, expect, it } from "vitest";
import {
  accountRow,
  customerWithOrder,
  expectConsistent,
  grant,
  holdRow,
  inbox,
  newOrder,
  orderPlaced,
  orderRejected,
  placedOrder,
  published,
  uniqueId,
} from "./helpers";

describe("OrderRejected", () => {
  it("releases the held points", async () => {
    const order = await placedOrder(70);
    const { customerId } = order;
    const event = orderRejected(order);
    await inbox(event, event);
    await inbox(orderRejected(order));

    expect(await holdRow(order.orderId)).toMatchObject({ status: "RELEASED", points: 70 });
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    // The points are available again.
    const next = newOrder(customerId, 100);
    await inbox(orderPlaced(next));
    expect((await holdRow(next.orderId))?.status).toBe("HELD");
    await expectConsistent(customerId, { grants: 100, confirmed: [], quiet: false });
  });

  it("changes nothing for an order whose reservation had failed", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 10);
    const order = newOrder(customerId, 70);
    await inbox(orderPlaced(order), orderRejected(order));
    expect((await holdRow(order.orderId))?.status).toBe("FAILED");
    await expectConsistent(customerId, { grants: 10, confirmed: [] });
  });

  it("leaves a tombstone when it overtakes OrderPlaced, so the late OrderPlaced holds nothing", async () => {
    const order = await customerWithOrder(70);
    const { customerId } = order;
    await inbox(orderRejected(order));
    expect(await holdRow(order.orderId)).toEqual({
      customer_id: customerId,
      points: 0,
      status: "RELEASED",
    });
    await inbox(orderPlaced(order));

    expect(await holdRow(order.orderId)).toMatchObject({ status: "RELEASED", points: 0 });
    expect(await published(order.orderId)).toEqual([]);
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("TIMED_OUT: releases points held for an order that had given up on us, and holds none for an OrderPlaced that comes after it", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    // Our PointsReserved reached the order too late: the rejection gives the points back.
    const late = newOrder(customerId, 60);
    await inbox(orderPlaced(late));
    await inbox(orderRejected(late, "TIMED_OUT"));
    expect(await holdRow(late.orderId)).toMatchObject({ status: "RELEASED", points: 60 });
    // OrderPlaced never reached us in time (lost, then re-sent): the rejection comes first.
    const lost = newOrder(customerId, 40);
    await inbox(orderRejected(lost, "TIMED_OUT"));
    await inbox(orderPlaced(lost));
    expect(await holdRow(lost.orderId)).toMatchObject({ status: "RELEASED", points: 0 });
    expect(await published(lost.orderId)).toEqual([]);
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });
});
