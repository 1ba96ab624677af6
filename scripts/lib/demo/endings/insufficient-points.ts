/** Rewards says no (INSUFFICIENT_POINTS): the order is REJECTED and inventory releases its stock. */
import { runOrderScenario } from "../order-scenario";
import type { Context, ScenarioResult } from "../world";

export function insufficientPoints(ctx: Context, number: number): Promise<ScenarioResult> {
  return runOrderScenario(ctx, number, {
    title: "Not enough points: rejected, and the stock goes back",
    story: `carol has ${ctx.grants.carol} points and wants to redeem 500. Inventory may already have reserved her lamp: it releases it.`,
    customer: ctx.customers.carol,
    items: [{ product: "lamp", quantity: 1 }],
    pointsToRedeem: 500,
    expect: { status: "REJECTED", reason: "INSUFFICIENT_POINTS" },
    deltas: {},
  });
}
