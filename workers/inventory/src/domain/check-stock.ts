import type { StockLine } from "./merge-lines";

export type StockCheck =
  | { ok: true }
  | { ok: false; reason: "UNKNOWN_PRODUCT" | "OUT_OF_STOCK"; skus: string[] };

/**
 * Whether an order's lines can be reserved from the units available per SKU (a SKU
 * missing from `available` is not a product). Unknown products are reported first:
 * stock is irrelevant for an order that can never be served.
 */
export function checkStock(
  lines: readonly StockLine[],
  available: ReadonlyMap<string, number>,
): StockCheck {
  const unknown = lines.filter((l) => !available.has(l.sku)).map((l) => l.sku);
  if (unknown.length > 0) return { ok: false, reason: "UNKNOWN_PRODUCT", skus: unknown };
  const short = lines.filter((l) => (available.get(l.sku) ?? 0) < l.quantity).map((l) => l.sku);
  if (short.length > 0) return { ok: false, reason: "OUT_OF_STOCK", skus: short };
  return { ok: true };
}
