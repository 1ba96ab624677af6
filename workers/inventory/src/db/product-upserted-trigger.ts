import { ProductUpserted } from "@edge-saga/contracts";
import type { OutboxTriggerSpec } from "@edge-saga/shared";

/**
 * ProductUpserted is captured from the products table, not written by the routes: whatever
 * changes a product's name or price (a PUT, a script, the D1 console) emits it in the same
 * transaction, and a stock move emits nothing. The SQL of these triggers is in
 * migrations/*_product_upserted_trigger.sql; products-cdc.test.ts keeps the two equal.
 */
export const productUpsertedTrigger: OutboxTriggerSpec = {
  table: "products",
  trigger: "product_upserted",
  event: ProductUpserted,
  on: { insert: true, update: ["name", "price_cents"] },
  aggregateType: "product",
  aggregateId: "NEW.sku",
  payload:
    "json_object('sku', NEW.sku, 'name', NEW.name, 'price', json_object('amountCents', NEW.price_cents, 'currency', 'USD'))",
};
