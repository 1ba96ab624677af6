/** Pricing rules of an order: lines priced from the catalog replica, total, points. */

/** The earned-points rule lives in contracts, where Node-side checks import it too. */
export { pointsEarnedFor } from "@edge-saga/contracts";

/** Events carry amounts up to 1e9 cents; a larger order could not be published. */
export const MAX_TOTAL_CENTS = 1_000_000_000;

export interface RequestedLine {
  sku: string;
  quantity: number;
}

export interface PricedLine extends RequestedLine {
  unitPriceCents: number;
}

export type PricingResult =
  | { ok: true; lines: PricedLine[]; totalCents: number }
  | { ok: false; code: "UNKNOWN_PRODUCT"; skus: string[] }
  | { ok: false; code: "POINTS_EXCEED_TOTAL"; totalCents: number }
  | { ok: false; code: "TOTAL_TOO_LARGE"; totalCents: number };

/**
 * Prices `items` with `prices` (sku -> unit price in cents). Every unknown sku is reported,
 * not just the first, so the client can fix the order in one go. 1 point redeems 1 cent.
 */
export function priceOrder(
  items: readonly RequestedLine[],
  prices: ReadonlyMap<string, number>,
  pointsToRedeem: number,
): PricingResult {
  const unknown = items.filter((item) => !prices.has(item.sku)).map((item) => item.sku);
  if (unknown.length > 0) return { ok: false, code: "UNKNOWN_PRODUCT", skus: unknown };
  const lines = items.map((item) => ({
    sku: item.sku,
    quantity: item.quantity,
    unitPriceCents: prices.get(item.sku) ?? 0,
  }));
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (totalCents > MAX_TOTAL_CENTS) return { ok: false, code: "TOTAL_TOO_LARGE", totalCents };
  if (pointsToRedeem > totalCents) return { ok: false, code: "POINTS_EXCEED_TOTAL", totalCents };
  return { ok: true, lines, totalCents };
}
