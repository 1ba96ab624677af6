import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { catalog, type Order } from "@edge-saga/contracts";
import { asAdmin, asCustomer, deliver } from "@edge-saga/kit-testing";
import { newId, onShard, relayStub, shardOf, shardOfId, slotOf, withSlot } from "@edge-saga/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { runSagaDeadline } from "../src/saga-deadline";
import { replies } from "./helpers";

/**
 * The order service on two shards (DB and DB_1): the worker is handed an env with SHARDS "2",
 * as a deployment with two order databases is configured. The project's own env stays on one.
 */
const sharded = { ...env, SHARDS: "2" } as Env;
const dbOf = [env.DB, env.DB_1];

async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://svc${path}`, init), sharded, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function place(
  customerId: string,
  items: { sku: string; quantity: number }[],
  headers: Record<string, string> = {},
): Promise<Response> {
  return call("/orders", {
    method: "POST",
    headers: { "content-type": "application/json", ...asCustomer(customerId), ...headers },
    body: JSON.stringify({ items }),
  });
}

const deliverSharded = (...bodies: unknown[]) =>
  deliver(worker as ExportedHandler<Env>, sharded, "order-inbox", bodies);

async function rowOn(shard: number, id: string) {
  return dbOf[shard]
    ?.prepare("SELECT status, stock_state, rejection_reason FROM orders WHERE id = ?")
    .bind(id)
    .first<{ status: string; stock_state: string; rejection_reason: string | null }>();
}

async function outboxTypes(shard: number, orderId: string): Promise<string[]> {
  const { results } = await (dbOf[shard] as D1Database)
    .prepare("SELECT body FROM outbox ORDER BY seq")
    .all<{ body: string }>();
  return results
    .map((r) => JSON.parse(r.body) as { type: string; aggregateId: string })
    .filter((e) => e.aggregateId === orderId)
    .map((e) => e.type);
}

/** A customer whose orders live on `shard` of 2. */
function customerOn(shard: number, prefix: string): string {
  for (let i = 0; ; i++) if (shardOf(`${prefix}-${i}`, 2) === shard) return `${prefix}-${i}`;
}

/** An inventory shard's answer for its lines of `order`, among inventory shards 0 and 1. */
const stockOn = (order: Order, shard: number, failed = false) => {
  const base = failed ? replies.stockFailed(order) : replies.stockReserved(order);
  return { ...base, id: crypto.randomUUID(), payload: { ...base.payload, shard, shards: [0, 1] } };
};

const items = [
  { sku: "sh-lamp", quantity: 1 },
  { sku: "sh-bulb", quantity: 2 },
];

beforeAll(async () => {
  // The catalogue copy prices orders on every shard: one ProductUpserted reaches both.
  for (const [sku, amountCents] of [
    ["sh-lamp", 1000],
    ["sh-bulb", 250],
  ] as const) {
    const upsert = catalog.create("ProductUpserted", {
      aggregateType: "product",
      aggregateId: sku,
      correlationId: sku,
      causationId: "admin",
      sequence: 1,
      payload: { sku, name: sku, price: { amountCents, currency: "USD" } },
    });
    expect((await deliverSharded(upsert)).explicitAcks).toHaveLength(1);
  }
});

afterAll(async () => {
  // This project's relays see its own env (one shard): shard 1's relay, poked by the routes
  // and handlers under test, cannot drain here; stop its retries from outliving this file.
  await runInDurableObject(relayStub(env.OUTBOX_RELAY, 1), (_instance, state) =>
    state.storage.deleteAlarm(),
  );
});

describe("two order shards", () => {
  it("a ProductUpserted reaches the catalogue copy on every shard", async () => {
    for (const db of dbOf) {
      const row = await db
        .prepare("SELECT price_cents AS price FROM catalog_products WHERE sku = 'sh-bulb'")
        .first<{ price: number }>();
      expect(row?.price).toBe(250);
    }
  });

  it("places, lists, reads and cancels on the customer's shard", async () => {
    for (const shard of [0, 1]) {
      const customer = customerOn(shard, "cust");
      const response = await place(customer, items);
      expect(response.status).toBe(202);
      const order = await response.json<Order>();
      expect(order.totalCents).toBe(1500);
      expect(shardOfId(order.id, 2)).toBe(shard);
      expect(await rowOn(shard, order.id)).toMatchObject({ status: "PENDING" });
      expect(await rowOn(1 - shard, order.id)).toBeNull();
      expect(await outboxTypes(shard, order.id)).toEqual(["OrderPlaced"]);

      const got = await call(`/orders/${order.id}`, { headers: asCustomer(customer) });
      expect(got.status).toBe(200);
      const list = await call("/orders?limit=10", { headers: asCustomer(customer) });
      expect((await list.json<{ orders: Order[] }>()).orders.map((o) => o.id)).toEqual([order.id]);
      const history = await call(`/orders/${order.id}/history`, { headers: asCustomer(customer) });
      expect(history.status).toBe(200);
      // Another customer's order is a 404, as on one shard.
      const other = await call(`/orders/${order.id}`, { headers: asCustomer("someone-else") });
      expect(other.status).toBe(404);

      const cancel = await call(`/orders/${order.id}/cancel`, {
        method: "POST",
        headers: asCustomer(customer),
      });
      expect(cancel.status).toBe(202);
      expect(await rowOn(shard, order.id)).toMatchObject({ status: "CANCELLED" });
      expect(await outboxTypes(shard, order.id)).toEqual(["OrderPlaced", "OrderCancelled"]);
    }
  });

  it("an Idempotency-Key is kept and replayed on the customer's shard", async () => {
    const customer = customerOn(1, "keyed");
    const first = await place(customer, items, { "idempotency-key": "k-1" });
    const again = await place(customer, items, { "idempotency-key": "k-1" });
    expect(first.status).toBe(202);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect((await again.json<Order>()).id).toBe((await first.json<Order>()).id);
    const keys = await env.DB_1.prepare("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key = ?")
      .bind(`${customer}/k-1`)
      .first<{ n: number }>();
    expect(keys?.n).toBe(1);
  });

  it("admin snapshot and recent orders read every shard and say what each gave", async () => {
    const a = await (await place(customerOn(0, "adm"), items)).json<Order>();
    const b = await (await place(customerOn(1, "adm"), items)).json<Order>();
    const snapshot = await call("/admin/snapshot/orders?limit=1000");
    const page = await snapshot.json<{
      orders: { id: string }[];
      shards: { shard: number; orders: number }[];
    }>();
    const ids = page.orders.map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    expect([...ids].sort()).toEqual(ids);
    const counts = await Promise.all(
      dbOf.map((db) => db.prepare("SELECT COUNT(*) AS n FROM orders").first<{ n: number }>()),
    );
    expect(page.shards).toEqual([
      { shard: 0, orders: counts[0]?.n },
      { shard: 1, orders: counts[1]?.n },
    ]);

    // A keyset walk of small pages sees every order once, in id order, across both shards.
    const walked: string[] = [];
    let after = "";
    for (;;) {
      const next = await (await call(`/admin/snapshot/orders?limit=2&after=${after}`)).json<{
        orders: { id: string }[];
        next: string | null;
      }>();
      walked.push(...next.orders.map((o) => o.id));
      if (next.next === null) break;
      after = next.next;
    }
    expect(walked).toEqual(ids);

    const recent = await call("/admin/orders/recent?limit=2", { headers: asAdmin() });
    const newest = await recent.json<{
      orders: { id: string; shard: number }[];
      shards: { shard: number; orders: number }[];
    }>();
    expect(newest.orders.map((o) => [o.id, o.shard])).toEqual([
      [b.id, 1],
      [a.id, 0],
    ]);
    expect(newest.shards).toEqual([
      { shard: 0, orders: 1 },
      { shard: 1, orders: 1 },
    ]);
  });
});

describe("an order whose items span two inventory shards", () => {
  it("confirms only once both shards reserved, duplicates changing nothing", async () => {
    const order = await (await place(customerOn(1, "span"), items)).json<Order>();
    await deliverSharded(stockOn(order, 0), replies.paymentAuthorized(order));
    expect(await rowOn(1, order.id)).toMatchObject({ status: "PENDING", stock_state: "PENDING" });
    // Shard 0 again (a re-sent answer under a new id): still waiting for shard 1.
    await deliverSharded(stockOn(order, 0));
    expect(await rowOn(1, order.id)).toMatchObject({ status: "PENDING", stock_state: "PENDING" });
    expect(await outboxTypes(1, order.id)).toEqual(["OrderPlaced"]);

    await deliverSharded(stockOn(order, 1));
    expect(await rowOn(1, order.id)).toMatchObject({
      status: "CONFIRMED",
      stock_state: "RESERVED",
    });
    // Each shard's answer recorded once, on the order's shard.
    const { results: answers } = await env.DB_1.prepare(
      "SELECT shard, answer, shards FROM stock_answers WHERE order_id = ? ORDER BY shard",
    )
      .bind(order.id)
      .all();
    expect(answers).toEqual([
      { shard: 0, answer: "RESERVED", shards: "[0,1]" },
      { shard: 1, answer: "RESERVED", shards: "[0,1]" },
    ]);
    expect(await outboxTypes(1, order.id)).toEqual(["OrderPlaced", "OrderConfirmed"]);
  });

  it("both shards' answers in one batch confirm it too (the second sees the first)", async () => {
    const order = await (await place(customerOn(0, "batch"), items)).json<Order>();
    await deliverSharded(stockOn(order, 1), stockOn(order, 0), replies.paymentAuthorized(order));
    expect(await rowOn(0, order.id)).toMatchObject({ status: "CONFIRMED" });
    expect(await outboxTypes(0, order.id)).toEqual(["OrderPlaced", "OrderConfirmed"]);
  });

  it("rejects as soon as one shard fails; OrderRejected releases every shard", async () => {
    const order = await (await place(customerOn(1, "fail"), items)).json<Order>();
    await deliverSharded(stockOn(order, 0));
    await deliverSharded(stockOn(order, 1, true));
    expect(await rowOn(1, order.id)).toMatchObject({
      status: "REJECTED",
      stock_state: "FAILED",
      rejection_reason: "OUT_OF_STOCK",
    });
    // Inventory sends OrderRejected to every one of its shards; each releases what it holds.
    expect(await outboxTypes(1, order.id)).toEqual(["OrderPlaced", "OrderRejected"]);

    // A failure first: rejected at once, the other shard's late reservation changes nothing.
    const early = await (await place(customerOn(1, "fail"), items)).json<Order>();
    await deliverSharded(stockOn(early, 0, true));
    expect(await rowOn(1, early.id)).toMatchObject({ status: "REJECTED" });
    await deliverSharded(stockOn(early, 1), replies.paymentAuthorized(early));
    expect(await rowOn(1, early.id)).toMatchObject({ status: "REJECTED" });
    expect(await outboxTypes(1, early.id)).toEqual(["OrderPlaced", "OrderRejected"]);
  });

  it("self-read: shards' answers that came before the order are folded in when it is created", async () => {
    const customer = customerOn(1, "early");
    const placed = (orderId: string) =>
      catalog.create("OrderPlaced", {
        aggregateType: "order",
        aggregateId: orderId,
        correlationId: orderId,
        causationId: "req-early",
        sequence: 1,
        payload: {
          orderId,
          customerId: customer,
          items: items.map((i) => ({ ...i, unitPriceCents: 100 })),
          totalCents: 300,
          pointsToRedeem: 0,
        },
      });
    const order = (id: string) =>
      ({ id, customerId: customer, items, totalCents: 300, pointsRedeemed: 0 }) as Order;

    // Both shards and the card answered first: the order is created CONFIRMED.
    const both = order(withSlot(newId(), slotOf(customer)));
    await deliverSharded(stockOn(both, 1), replies.paymentAuthorized(both), stockOn(both, 0));
    expect(await rowOn(1, both.id)).toBeNull();
    await deliverSharded(placed(both.id));
    expect(await rowOn(1, both.id)).toMatchObject({ status: "CONFIRMED", stock_state: "RESERVED" });

    // One shard only: created PENDING, its answer recorded; the other shard's answer decides.
    const one = order(withSlot(newId(), slotOf(customer)));
    await deliverSharded(stockOn(one, 0), replies.paymentAuthorized(one));
    await deliverSharded(placed(one.id));
    expect(await rowOn(1, one.id)).toMatchObject({ status: "PENDING", stock_state: "PENDING" });
    await deliverSharded(stockOn(one, 0));
    expect(await rowOn(1, one.id)).toMatchObject({ status: "PENDING" });
    await deliverSharded(stockOn(one, 1));
    expect(await rowOn(1, one.id)).toMatchObject({ status: "CONFIRMED" });
  });
});

describe("the saga deadline on each shard", () => {
  it("runs on the env it is given: that shard's overdue orders, no other's", async () => {
    const late = await (await place(customerOn(1, "late"), items)).json<Order>();
    const other = await (await place(customerOn(0, "late"), items)).json<Order>();
    const shard1 = { ...onShard(sharded, 1), SAGA_DEADLINE_SECONDS: "1" };
    await runSagaDeadline(shard1, Date.now() + 5_000);
    expect(await rowOn(1, late.id)).toMatchObject({
      status: "REJECTED",
      rejection_reason: "TIMED_OUT",
    });
    expect(await outboxTypes(1, late.id)).toEqual(["OrderPlaced", "OrderRejected"]);
    expect(await rowOn(0, other.id)).toMatchObject({ status: "PENDING" });
  });
});
