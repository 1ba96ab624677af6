import { env } from "cloudflare:workers";
import { asCustomer, onShards, readAllPages } from "@edge-saga/kit-testing";
import { newId, shardOf, shardOfId, slotOf, withSlot } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { clearOrderLists } from "../src/kv/order-list-store";
import { customerShard, viewShardOf } from "../src/shards";
import { deliverAll, event, history } from "./helpers";

/** A customer whose orders live on `shard` of 2. */
function customerOn(shard: number): string {
  for (let i = 0; ; i++) {
    const id = `view-shard-${i}-${Date.now()}`;
    if (shardOf(id, 2) === shard) return id;
  }
}

/** An order id as the order service makes it: naming its customer's slot. */
const orderOf = (customerId: string) => withSlot(newId(), slotOf(customerId));

const lamp = { sku: "lamp", quantity: 1, unitPriceCents: 4500 };
const placed = (orderId: string, customerId: string) =>
  event("OrderPlaced", "order", orderId, {
    orderId,
    customerId,
    items: [lamp],
    totalCents: 4500,
    pointsToRedeem: 0,
  });
const product = () =>
  event("ProductUpserted", "inventory", "lamp", {
    sku: "lamp",
    name: "Desk lamp",
    price: { amountCents: 4500, currency: "USD" },
  });

const rowsIn = (db: D1Database, orderId: string) =>
  db
    .prepare("SELECT count(*) AS n FROM view_orders WHERE order_id = ?")
    .bind(orderId)
    .first<number>("n");

describe("view routing (pure)", () => {
  it("puts every event about an order on the shard its id names, a product's on every shard", () => {
    const orderId = withSlot(newId(), 6);
    for (const e of [
      placed(orderId, "c"),
      event("StockReserved", "inventory", "not-the-order", { orderId, items: [lamp] }),
      event("PaymentCaptured", "payment", orderId, { orderId, amountCents: 4500 }),
    ]) {
      expect(viewShardOf(e, 4)).toBe(2);
      expect(viewShardOf(e, 1)).toBe(0);
    }
    expect(viewShardOf(product(), 3)).toEqual([0, 1, 2]);
    expect(viewShardOf(product(), 1)).toEqual([0]);
    // A customer's list is on the shard her orders' ids name.
    for (const shards of [1, 2, 4, 16])
      expect(customerShard("alice", shards)).toBe(shardOfId(orderOf("alice"), shards));
  });
});

describe("the view on two shards", () => {
  it("keeps each order on its customer's shard, lists it from there, a product's name on both", async () => {
    const svc = onShards(worker, env, 2);
    const [zero, one] = [customerOn(0), customerOn(1)];
    const [ofZero, ofOne] = [orderOf(zero), orderOf(one)];
    const result = await svc.deliver("view-inbox", [
      placed(ofZero, zero),
      placed(ofOne, one),
      product(),
    ]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(3);
    expect([await rowsIn(env.DB, ofZero), await rowsIn(env.DB_1, ofZero)]).toEqual([1, 0]);
    expect([await rowsIn(env.DB, ofOne), await rowsIn(env.DB_1, ofOne)]).toEqual([0, 1]);

    for (const [customer, orderId] of [
      [zero, ofZero],
      [one, ofOne],
    ] as const) {
      const res = await svc.fetch(`/customers/${customer}/orders`, {
        headers: asCustomer(customer),
      });
      expect(res.status).toBe(200);
      const { orders } = await res.json<{ orders: { id: string; items: { name: string }[] }[] }>();
      expect(orders.map((o) => o.id)).toEqual([orderId]);
      expect(orders[0]?.items[0]?.name).toBe("Desk lamp");
    }
    // On one shard (the runtime's own env) shard 1's customer has nothing in D1 (KV is one
    // namespace whatever the shards, so it is emptied for D1 to answer).
    await clearOrderLists(env.CUSTOMER_ORDERS_KV);
    expect((await history(one)).orders).toEqual([]);

    const rows = await readAllPages<{ id: string; shard?: number }>(
      svc.fetch,
      "/admin/snapshot/orders",
      "orders",
      1,
    );
    expect(rows.map((row) => [row.id, row.shard])).toEqual(
      [
        [ofZero, 0],
        [ofOne, 1],
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );

    const rebuilt = await svc.fetch("/admin/projection/rebuild", { method: "POST" });
    const { cleared, shards } = await rebuilt.json<{
      cleared: Record<string, number>;
      shards: { shard: number; cleared: Record<string, number> }[];
    }>();
    expect(cleared).toMatchObject({ view_orders: 2, view_products: 2 });
    expect(shards.map((s) => s.cleared.view_orders)).toEqual([1, 1]);
    expect([await rowsIn(env.DB, ofZero), await rowsIn(env.DB_1, ofOne)]).toEqual([0, 0]);
  });
});

describe("an order whose SKUs span inventory shards", () => {
  it("shows FAILED when one shard failed, whichever shard's answer came first", async () => {
    for (const reservedFirst of [true, false]) {
      const customer = customerOn(0);
      const orderId = orderOf(customer);
      const answers = [
        event("StockReserved", "inventory", orderId, {
          orderId,
          items: [{ sku: "lamp", quantity: 1 }],
          shard: 0,
          shards: [0, 1],
        }),
        event("StockReservationFailed", "inventory", orderId, {
          orderId,
          reason: "OUT_OF_STOCK",
          skus: ["bulb"],
          shard: 1,
          shards: [0, 1],
        }),
      ];
      await deliverAll([placed(orderId, customer)]);
      await deliverAll(reservedFirst ? answers : answers.reverse());
      const [order] = (await history(customer)).orders;
      expect(order?.reservation, `reserved first: ${reservedFirst}`).toBe("FAILED");
    }
  });
});
