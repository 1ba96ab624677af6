import type { Catalog } from "@edge-saga/contracts";
import type { Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { sql } from "drizzle-orm";
import { mergeOrder } from "../db/order-projection";
import { viewProducts } from "../db/tables";

type Handler<T extends string> = EventHandler<Env, EventOf<Catalog, T>>;

export const stockReserved: Handler<"StockReserved"> = (event, { db }): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      stock: "RESERVED",
    }),
  ],
});

export const stockReservationFailed: Handler<"StockReservationFailed"> = (
  event,
  { db },
): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      stock: "FAILED",
    }),
  ],
});

export const pointsAwarded: Handler<"PointsAwarded"> = (event, { db }): Decision => ({
  statements: [
    mergeOrder(db, {
      orderId: event.payload.orderId,
      occurredAt: event.occurredAt,
      customerId: event.payload.customerId,
      pointsAwarded: event.payload.points,
    }),
  ],
});

/**
 * Product name and price for the lines. The product's sequence is the version: the newest
 * event wins whenever it arrives, and names of products that arrive after an order fill in
 * (lines are joined to products when read).
 */
export const productUpserted: Handler<"ProductUpserted"> = (event, { db }): Decision => {
  const product = {
    sku: event.payload.sku,
    name: event.payload.name,
    priceCents: event.payload.price.amountCents,
    version: event.sequence,
  };
  return {
    statements: [
      db
        .insert(viewProducts)
        .values(product)
        .onConflictDoUpdate({
          target: viewProducts.sku,
          set: { name: product.name, priceCents: product.priceCents, version: product.version },
          setWhere: sql`excluded.version > ${viewProducts.version}`,
        }),
    ],
  };
};
