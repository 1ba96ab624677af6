import { describe, expect, it } from "vitest";
import {
  accountRow,
  expectConsistent,
  grant,
  inbox,
  newOrder,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  orderRejected,
  type TestOrder,
  uniqueId,
} from "./helpers";

type Step = (o: TestOrder) => unknown;
const placed: Step = orderPlaced;
const confirmed: Step = orderConfirmed;
const rejected: Step = orderRejected;
const cancelled: Step = (o) => orderCancelled(o, "CONFIRMED");
const cancelledPending: Step = (o) => orderCancelled(o, "PENDING");

/** Delivers one order's events in the given arrival order, each in its own batch and then all again. */
async function run(customerId: string, pointsToRedeem: number, steps: Step[]) {
  const order = newOrder(customerId, pointsToRedeem, 9_999);
  const events = steps.map((step) => step(order));
  for (const event of events) await inbox(event);
  // At-least-once delivery: every event once more, in reverse.
  for (const event of [...events].reverse()) await inbox(event);
  return order;
}

describe("any arrival order converges (design.md: cancel may arrive before the reservation)", () => {
  // Rewards sends PointsReserved only after holding, so OrderConfirmed always follows OrderPlaced
  // when points are redeemed; the cancel of a confirmed order may arrive anywhere.
  it.each([
    ["placed, confirmed, cancelled", [placed, confirmed, cancelled]],
    ["placed, cancelled, confirmed", [placed, cancelled, confirmed]],
    ["cancelled, placed, confirmed", [cancelled, placed, confirmed]],
  ])("a confirmed then cancelled order redeeming points: %s", async (_name, steps) => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    await run(customerId, 80, steps);
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it.each([
    ["placed, confirmed, cancelled", [placed, confirmed, cancelled]],
    ["placed, cancelled, confirmed", [placed, cancelled, confirmed]],
    ["cancelled, confirmed, placed", [cancelled, confirmed, placed]],
    ["confirmed, cancelled, placed", [confirmed, cancelled, placed]],
  ])("a confirmed then cancelled order redeeming nothing: %s", async (_name, steps) => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    await run(customerId, 0, steps);
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it.each([
    ["placed, rejected", [placed, rejected]],
    ["rejected, placed", [rejected, placed]],
    ["placed, cancelled", [placed, cancelledPending]],
    ["cancelled, placed", [cancelledPending, placed]],
  ])("an order that never confirms: %s", async (_name, steps) => {
    const customerId = uniqueId("cust");
    await grant(customerId, 100);
    await run(customerId, 80, steps);
    expect(await accountRow(customerId)).toEqual({ balance: 100, reserved: 0, lifetime_earned: 0 });
    await expectConsistent(customerId, { grants: 100, confirmed: [] });
  });

  it("a customer's mix of orders adds up to grants + earned - redeemed", async () => {
    const customerId = uniqueId("cust");
    await grant(customerId, 300);
    const kept = await run(customerId, 100, [placed, confirmed]);
    const keptFree = await run(customerId, 0, [placed, confirmed]);
    await run(customerId, 50, [placed, cancelled, confirmed]);
    await run(customerId, 50, [rejected, placed]);
    await run(customerId, 500, [placed, rejected]); // more than available: reservation fails
    await expectConsistent(customerId, { grants: 300, confirmed: [kept, keptFree] });
  });
});
