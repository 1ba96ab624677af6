/** The ways units move between a product's counters; none creates or destroys a unit. */
export type StockMove = "reserve" | "release" | "sell" | "restock";

export interface UnitDeltas {
  available: number;
  reserved: number;
  sold: number;
}

const perUnit: Record<StockMove, UnitDeltas> = {
  /** OrderPlaced: hold units for the order. */
  reserve: { available: -1, reserved: 1, sold: 0 },
  /** The order will not happen: held units go back on the shelf. */
  release: { available: 1, reserved: -1, sold: 0 },
  /** OrderConfirmed: held units are sold. */
  sell: { available: 0, reserved: -1, sold: 1 },
  /** A confirmed order is cancelled: sold units go back on the shelf. */
  restock: { available: 1, reserved: 0, sold: -1 },
};

/** How much each counter changes when `quantity` units make `move`. */
export function unitDeltas(move: StockMove, quantity: number): UnitDeltas {
  const d = perUnit[move];
  return {
    available: d.available * quantity,
    reserved: d.reserved * quantity,
    sold: d.sold * quantity,
  };
}
