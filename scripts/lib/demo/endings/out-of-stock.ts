/**
 * Inventory says no (OUT_OF_STOCK): the order is REJECTED, rewards releases its hold and the
 * payment service voids the card's.
 */
import { runOrderScenario } from "../order-scenario";
import type { Context, ScenarioResult } from "../world";

export function outOfStock(ctx: Context, number: number): Promise<ScenarioResult> {
  return runOrderScenario(ctx, number, {
    title: "Out of stock: rejected, and nothing stays held",
    story: `Only ${ctx.products.kettle.stock} kettles exist and bob wants 3. Inventory reserves nothing (not even the bulb); rewards may already hold his points and the card processor his money: both are given back.`,
    customer: ctx.customers.bob,
    items: [
      { product: "bulb", quantity: 1 },
      { product: "kettle", quantity: 3 },
    ],
    pointsToRedeem: 100,
    expect: { status: "REJECTED", reason: "OUT_OF_STOCK", payment: "VOIDED" },
    deltas: {},
  });
}
