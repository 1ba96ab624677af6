import { env } from "cloudflare:workers";
import { outboxTriggerSql } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { productUpsertedTrigger } from "../src/db/product-upserted-trigger";
import { inbox, orderConfirmed, orderPlaced, published, put, uniqueId } from "./helpers";

/** ProductUpserted events about `sku`; `published` also checks each against the catalog. */
const upserts = async (sku: string) =>
  (await published(sku)).filter((e) => e.type === "ProductUpserted");

describe("ProductUpserted by change capture (outbox triggers on products)", () => {
  it("the migration creates exactly the triggers outboxTriggerSql generates for the spec", () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("product_upserted_trigger"));
    const triggers = migration?.queries.filter((q) => q.startsWith("CREATE TRIGGER"));
    // On a mismatch, paste the SQL generated from the spec into the migration (see README).
    expect(triggers).toEqual(outboxTriggerSql(productUpsertedTrigger));
  });

  it("a PUT that creates a product writes one complete, valid ProductUpserted v2", async () => {
    const sku = uniqueId("cdc-create");
    const res = await put(sku, { name: "Lamp", priceCents: 4500, stock: 3 });
    expect(res.status).toBe(201);
    const events = await upserts(sku);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      id: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      type: "ProductUpserted",
      version: 2,
      source: "inventory",
      aggregateType: "product",
      aggregateId: sku,
      sequence: 1,
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      correlationId: sku,
      causationId: "cdc:products",
      payload: { sku, name: "Lamp", price: { amountCents: 4500, currency: "USD" } },
    });
  });

  it("one event per real change of name or price; none for a stock change or a no-op PUT", async () => {
    const sku = uniqueId("cdc-put");
    await put(sku, { name: "First", priceCents: 100, stock: 1 });
    await put(sku, { name: "First", priceCents: 100, stock: 9 }); // stock only
    await put(sku, { name: "First", priceCents: 100, stock: 9 }); // nothing changes
    await put(sku, { name: "Second", priceCents: 100, stock: 9 });
    await put(sku, { name: "Second", priceCents: 250, stock: 2 });
    expect((await upserts(sku)).map((e) => [e.sequence, e.payload])).toEqual([
      [1, { sku, name: "First", price: { amountCents: 100, currency: "USD" } }],
      [2, { sku, name: "Second", price: { amountCents: 100, currency: "USD" } }],
      [3, { sku, name: "Second", price: { amountCents: 250, currency: "USD" } }],
    ]);
  });

  it("stock moves of the saga (reserve, sell) emit no ProductUpserted", async () => {
    const sku = uniqueId("cdc-moves");
    await put(sku, { name: "Mug", priceCents: 800, stock: 5 });
    const orderId = uniqueId("o");
    await inbox(orderPlaced(orderId, [{ sku, quantity: 2 }]));
    await inbox(orderConfirmed(orderId));
    expect((await upserts(sku)).map((e) => e.sequence)).toEqual([1]);
  });

  it("a raw SQL change, with no application code, emits it too, the sequence going on", async () => {
    const sku = uniqueId("cdc-raw");
    await put(sku, { name: "Bulb", priceCents: 350, stock: 3 });
    await env.DB.prepare("UPDATE products SET price_cents = 399 WHERE sku = ?").bind(sku).run();
    await put(sku, { name: "Bulb", priceCents: 420, stock: 3 });
    expect((await upserts(sku)).map((e) => [e.sequence, e.payload])).toEqual([
      [1, { sku, name: "Bulb", price: { amountCents: 350, currency: "USD" } }],
      [2, { sku, name: "Bulb", price: { amountCents: 399, currency: "USD" } }],
      [3, { sku, name: "Bulb", price: { amountCents: 420, currency: "USD" } }],
    ]);
  });
});
