/**
 * The earned-points rule (design.md), one copy for every place that needs it: the order service
 * writes it into `OrderConfirmed`, rewards credits what the event says, and the consistency
 * checker, the demo and the tests hold the system to it.
 */

/** Points a confirmed order earns: one per whole 100 cents actually paid (1 point redeems 1 cent). */
export function pointsEarnedFor(totalCents: number, pointsRedeemed: number): number {
  return Math.floor((totalCents - pointsRedeemed) / 100);
}
