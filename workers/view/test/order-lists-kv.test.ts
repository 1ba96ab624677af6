import { env } from "cloudflare:workers";
import { asCustomer } from "@edge-saga/kit-testing";
import { type Envelope, newId } from "@edge-saga/shared";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { customerOrders, placedOrdersOf } from "../src/db/order-history-store";
import type { StoredOrderList } from "../src/domain/customer-order-list";
import { landNewer, readOrderList } from "../src/kv/order-list-store";
import { projectOrderLists } from "../src/kv/project-order-lists";
import { call, deliverAll, event, productUpserted, rebuild, shuffledBatches } from "./helpers";

const dana = `dana-${Date.now()}`;
const [A, B, C] = [newId(), newId(), newId()];
const lamp = { sku: "lamp", quantity: 1, unitPriceCents: 4500 };

const placed = (orderId: string) =>
  event("OrderPlaced", "order", orderId, {
    orderId,
    customerId: dana,
    items: [lamp],
    totalCents: 4500,
    pointsToRedeem: 0,
  });

/** Three of dana's sagas (confirmed and paid, then cancelled; rejected; pending) and a product. */
const saga: Envelope[] = [
  productUpserted("lamp", "Desk lamp", 4500),
  placed(A),
  event("StockReserved", "inventory", A, { orderId: A, items: [{ sku: "lamp", quantity: 1 }] }),
  event("PaymentAuthorized", "payment", A, { orderId: A, amountCents: 4500 }),
  event("OrderConfirmed", "order", A, {
    orderId: A,
    customerId: dana,
    totalCents: 4500,
    pointsRedeemed: 0,
    pointsEarned: 45,
  }),
  event("PointsAwarded", "rewards", A, { orderId: A, customerId: dana, points: 45 }),
  event("PaymentCaptured", "payment", A, { orderId: A, amountCents: 4500 }),
  event("OrderCancelled", "order", A, {
    orderId: A,
    customerId: dana,
    previousStatus: "CONFIRMED",
  }),
  event("PaymentRefunded", "payment", A, { orderId: A, amountCents: 4500 }),
  placed(B),
  event("StockReservationFailed", "inventory", B, {
    orderId: B,
    reason: "OUT_OF_STOCK",
    skus: ["lamp"],
  }),
  event("OrderRejected", "order", B, { orderId: B, customerId: dana, reason: "OUT_OF_STOCK" }),
  placed(C),
  productUpserted("lamp", "Desk lamp XL", 4800, 2),
];

/** The saga shuffled, about a third sent twice, in batches of 1-4 messages. */
const batches = (seed: number) => shuffledBatches(saga, seed, 4);

/** The KV-equals-D1 check of the admin route, for dana or everyone. */
async function kvCheck(customerId?: string) {
  const query = customerId ? `?customerId=${customerId}` : "";
  const res = await call(`/admin/projection/order-lists${query}`);
  expect(res.status).toBe(200);
  return res.json<{ customers: number; differing: string[] }>();
}

/** Dana's list as KV holds it, orders only. */
const kvOrders = async () => (await readOrderList(env.CUSTOMER_ORDERS_KV, dana))?.orders;

/** `GET /customers/{id}/orders` as dana: which store answered, and the answer. */
async function read(query = "") {
  const res = await call(`/customers/${dana}/orders${query}`, { headers: asCustomer(dana) });
  expect(res.status).toBe(200);
  return { store: res.headers.get("x-read-store"), body: await res.json() };
}

describe("the customers' order lists in KV", () => {
  beforeEach(rebuild);

  it("equal the D1 view after the saga's events in any order, duplicated, batch after batch or all at once", async () => {
    await deliverAll(saga);
    const reference = await kvOrders();
    expect(reference?.map((e) => [e.order.id, e.order.status])).toEqual([
      [C, "PENDING"],
      [B, "REJECTED"],
      [A, "CANCELLED"],
    ]);
    expect(await kvCheck()).toEqual({ customers: 1, differing: [] });
    for (const seed of [1, 2, 3]) {
      await rebuild();
      for (const batch of batches(seed)) await deliverAll(batch);
      expect(await kvCheck(), `seed ${seed}`).toEqual({ customers: 1, differing: [] });
      expect(await kvOrders(), `seed ${seed}`).toEqual(reference);
      // Concurrent batches: their projections cross, and still end equal to D1.
      await rebuild();
      await Promise.all(batches(seed).map((batch) => deliverAll(batch)));
      expect(await kvCheck(), `seed ${seed}, concurrent`).toEqual({ customers: 1, differing: [] });
    }
  });

  it("answers from KV while fresh, the same pages as D1, and from D1 once stale", async () => {
    await deliverAll(saga);
    for (const [query, page] of [
      ["", { limit: 20 }],
      ["?limit=2", { limit: 2 }],
      [`?limit=2&cursor=${B}`, { limit: 2, cursor: B }],
    ] as const) {
      const answer = await read(query);
      expect(answer.store).toBe("kv");
      expect(answer.body).toEqual(await customerOrders(env.DB, dana, page));
    }
    // Projected longer ago than KV_READ_MAX_AGE_SECONDS: D1 answers, and refreshes the list.
    const list = (await readOrderList(env.CUSTOMER_ORDERS_KV, dana)) as StoredOrderList;
    const maxAgeMs = Number(env.KV_READ_MAX_AGE_SECONDS) * 1000;
    const stale = { ...list, projectedAt: Date.now() - maxAgeMs - 1000 };
    await env.CUSTOMER_ORDERS_KV.put(`customer-orders:${dana}`, JSON.stringify(stale));
    const fromD1 = await read();
    expect(fromD1.store).toBe("d1");
    expect(fromD1.body).toEqual(await customerOrders(env.DB, dana, { limit: 20 }));
    await vi.waitFor(async () => expect((await read()).store).toBe("kv"));
  });

  it("never lands a stale write: an older read of D1 written late takes no order back", async () => {
    await deliverAll(saga.slice(0, 2)); // the product and A placed
    const early = (await placedOrdersOf(env.DB, [dana])).get(dana) ?? [];
    expect(early.map((e) => e.order.status)).toEqual(["PENDING"]);
    await deliverAll(saga.slice(2));
    const now = await kvOrders();
    // A worker that read D1 early writes after the others (KV has no transactions).
    await landNewer(env.CUSTOMER_ORDERS_KV, dana, early, Date.now());
    expect(await kvOrders()).toEqual(now);
    expect((await kvOrders())?.find((e) => e.order.id === A)?.order.status).toBe("CANCELLED");
    expect(await kvCheck(dana)).toEqual({ customers: 1, differing: [] });
  });

  it("writes again when D1 moved on while it wrote: two workers crossing end equal to D1", async () => {
    await deliverAll(saga.slice(0, 2));
    const kv = env.CUSTOMER_ORDERS_KV;
    let crossed = false;
    // Between this worker's read of KV and its put, another applies the rest and projects it.
    const crossing = new Proxy(kv, {
      get(target, name) {
        if (name === "put" && !crossed)
          return async (...args: Parameters<KVNamespace["put"]>) => {
            crossed = true;
            await deliverAll(saga.slice(2));
            return target.put(...args);
          };
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(await projectOrderLists(env.DB, crossing, [dana])).toEqual([]);
    expect(crossed).toBe(true);
    expect(await kvCheck(dana)).toEqual({ customers: 1, differing: [] });
  });

  it("rebuilds from D1 to the same values, idempotently, and by replay after the view's rebuild", async () => {
    await deliverAll(saga);
    const reference = await kvOrders();
    // Lost, then wrong: the rebuild restores both.
    await env.CUSTOMER_ORDERS_KV.delete(`customer-orders:${dana}`);
    await env.CUSTOMER_ORDERS_KV.put(
      "customer-orders:nobody",
      JSON.stringify({ projectedAt: Date.now(), orders: reference }),
    );
    expect((await kvCheck()).differing).toEqual([dana, "nobody"]);
    // The first run also deletes nobody's list; the second finds only dana.
    for (const customers of [2, 1]) {
      const res = await call("/admin/projection/order-lists/rebuild", { method: "POST" });
      expect(await res.json()).toEqual({ customers, lagging: [] });
      expect(await kvOrders()).toEqual(reference);
      expect(await kvCheck()).toEqual({ customers: 1, differing: [] });
    }
    // The view's rebuild empties KV with D1; a replay in another order refills both alike.
    await rebuild();
    expect(await kvOrders()).toBeUndefined();
    for (const batch of batches(7)) await deliverAll(batch);
    expect(await kvOrders()).toEqual(reference);
  });
});
