export interface StockLine {
  sku: string;
  quantity: number;
}

/**
 * One line per SKU, quantities summed, in order of first appearance. The API refuses
 * repeated SKUs, but the event schema does not, and a reservation holds one line per SKU.
 */
export function mergeLines(items: readonly StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}
