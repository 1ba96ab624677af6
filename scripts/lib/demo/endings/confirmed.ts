/**
 * The saga's happy ending: every participant says yes and the order is CONFIRMED; then the
 * payment service captures the card hold (the customer's saved card: no paymentMethod).
 */
import { pointsEarnedFor } from "@edge-saga/contracts";
import { runOrderScenario } from "../order-scenario";
import type { Context, ScenarioResult } from "../world";

export function confirmedOrder(ctx: Context, number: number): Promise<ScenarioResult> {
  const { lamp, bulb } = ctx.products;
  const alice = ctx.customers.alice;
  const earned = pointsEarnedFor(2 * lamp.priceCents + bulb.priceCents, 300);
  return runOrderScenario(ctx, number, {
    title: "A good order: stock and points are there",
    story:
      "Inventory reserves the lines, rewards holds the points, the card processor holds the rest on her saved card; all say yes, so the order is CONFIRMED and the card is captured.",
    customer: alice,
    items: [
      { product: "lamp", quantity: 2 },
      { product: "bulb", quantity: 1 },
    ],
    pointsToRedeem: 300,
    expect: { status: "CONFIRMED", payment: "CAPTURED" },
    deltas: {
      stock: { [lamp.sku]: { available: -2, sold: 2 }, [bulb.sku]: { available: -1, sold: 1 } },
      points: { [alice]: -300 + earned },
    },
  });
}
