/**
 * Rewards says no (INSUFFICIENT_POINTS): the order is REJECTED, inventory releases its stock and
 * the payment service voids the card hold.
 */
import { runOrderScenario } from "../order-scenario";
import type { Context, ScenarioResult } from "../world";

export function insufficientPoints(ctx: Context, number: number): Promise<ScenarioResult> {
  return runOrderScenario(ctx, number, {
    title: "Not enough points: rejected, and the stock goes back",
    story: `carol has ${ctx.grants.carol} points and wants to redeem 500. Inventory may already have reserved her lamp and the card processor held the rest: both are released.`,
    customer: ctx.customers.carol,
    items: [{ product: "lamp", quantity: 1 }],
    pointsToRedeem: 500,
    expect: { status: "REJECTED", reason: "INSUFFICIENT_POINTS", payment: "VOIDED" },
    deltas: {},
  });
}
