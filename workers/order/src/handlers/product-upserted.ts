import type { Catalog } from "@edge-saga/contracts";
import type { Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { sql } from "drizzle-orm";
import { catalogProducts } from "../db/tables";

/**
 * Keeps the catalog replica current. The product's sequence is the replica's version and
 * the upsert only overwrites a lower one, so a late, older event never undoes a newer one.
 */
export const productUpserted: EventHandler<Env, EventOf<Catalog, "ProductUpserted">> = (
  event,
  { db },
): Decision => {
  const product = {
    sku: event.payload.sku,
    name: event.payload.name,
    // Version 2 only: the catalog upcasts a version 1 event before it gets here.
    priceCents: event.payload.price.amountCents,
    version: event.sequence,
    updatedAt: Date.parse(event.occurredAt),
  };
  return {
    statements: [
      db
        .insert(catalogProducts)
        .values(product)
        .onConflictDoUpdate({
          target: catalogProducts.sku,
          set: {
            name: product.name,
            priceCents: product.priceCents,
            version: product.version,
            updatedAt: product.updatedAt,
          },
          setWhere: sql`excluded.version > ${catalogProducts.version}`,
        }),
    ],
  };
};
