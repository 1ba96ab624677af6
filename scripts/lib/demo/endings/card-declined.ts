/**
 * The card processor says no (PAYMENT_DECLINED): the order is REJECTED, inventory releases its
 * stock and rewards its points; the declined card held nothing.
 */
import { runOrderScenario } from "../order-scenario";
import type { Context, ScenarioResult } from "../world";

export function cardDeclined(ctx: Context, number: number): Promise<ScenarioResult> {
  return runOrderScenario(ctx, number, {
    title: "Card declined: rejected, and stock and points go back",
    story:
      "bob pays with the sandbox's tok_declined card. Inventory and rewards may already hold his bulb and points: they release them.",
    customer: ctx.customers.bob,
    items: [{ product: "bulb", quantity: 1 }],
    pointsToRedeem: 100,
    paymentMethod: "tok_declined",
    expect: { status: "REJECTED", reason: "PAYMENT_DECLINED", payment: "DECLINED" },
    deltas: {},
  });
}
