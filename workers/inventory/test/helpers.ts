import { env, exports } from "cloudflare:workers";
import { catalog, type Product, type RejectionReason } from "@edge-saga/contracts";
import { apiClient, expectStatus } from "@edge-saga/contracts/client";
import { deliver } from "@edge-saga/kit-testing";
import { expect } from "vitest";
import worker from "../src/index";

/** Every test in a file shares its storage: ids are unique per test instead. */
let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

export function request(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://inventory${path}`, init);
}

export function put(sku: string, body: unknown, headers: Record<string, string> = {}) {
  return request(`/products/${sku}`, {
    method: "PUT",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The service's public routes through the one typed client, as the gateway forwards them. */
export const api = apiClient("http://inventory", {
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

/** Creates a product with `stock` units through the API. */
export async function seedProduct(sku: string, stock: number, priceCents = 1000): Promise<void> {
  const json = { name: `Product ${sku}`, priceCents, stock };
  await expectStatus(api.products[":sku"].$put({ param: { sku }, json }), 201);
}

/** Delivers events as one queue batch; each must be settled (acked), none left for a retry. */
export async function inbox(...events: unknown[]) {
  const result = await deliver(worker, env, "inventory-inbox", events);
  expect(result.retryMessages, "messages left for a retry").toEqual([]);
  expect(result.explicitAcks).toHaveLength(events.length);
  return result;
}

const order = (orderId: string) => ({
  aggregateType: "order",
  aggregateId: orderId,
  correlationId: orderId,
  causationId: `cmd-${orderId}`,
});

export const orderPlaced = (orderId: string, items: { sku: string; quantity: number }[]) =>
  catalog.create("OrderPlaced", {
    ...order(orderId),
    payload: {
      orderId,
      customerId: "c1",
      items: items.map((i) => ({ ...i, unitPriceCents: 1000 })),
      totalCents: items.reduce((sum, i) => sum + i.quantity * 1000, 0),
      pointsToRedeem: 0,
    },
  });

export const orderConfirmed = (orderId: string) =>
  catalog.create("OrderConfirmed", {
    ...order(orderId),
    payload: { orderId, customerId: "c1", totalCents: 1000, pointsRedeemed: 0, pointsEarned: 10 },
  });

export const orderRejected = (orderId: string, reason: RejectionReason = "INSUFFICIENT_POINTS") =>
  catalog.create("OrderRejected", {
    ...order(orderId),
    payload: { orderId, customerId: "c1", reason },
  });

export const orderCancelled = (orderId: string, previousStatus: "PENDING" | "CONFIRMED") =>
  catalog.create("OrderCancelled", {
    ...order(orderId),
    payload: { orderId, customerId: "c1", previousStatus },
  });

export interface StockRow {
  available: number;
  reserved: number;
  sold: number;
  received: number;
  version: number;
}

export async function stock(sku: string, db: D1Database = env.DB): Promise<StockRow | null> {
  return db
    .prepare("SELECT available, reserved, sold, received, version FROM products WHERE sku = ?")
    .bind(sku)
    .first<StockRow>();
}

export async function reservation(orderId: string, db: D1Database = env.DB) {
  return db
    .prepare("SELECT status, reason FROM reservations WHERE order_id = ?")
    .bind(orderId)
    .first<{ status: string; reason: string | null }>();
}

export interface OutboxEvent {
  id: string;
  type: string;
  source: string;
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  correlationId: string;
  causationId: string;
  payload: Record<string, unknown>;
}

/** The events this service has published (or will) about `correlationId`, in commit order (on `db`'s shard). */
export async function published(
  correlationId: string,
  db: D1Database = env.DB,
): Promise<OutboxEvent[]> {
  const { results } = await db
    .prepare("SELECT body FROM outbox WHERE correlation_id = ? ORDER BY seq")
    .bind(correlationId)
    .all<{ body: string }>();
  return results.map((r) => {
    // Whatever is published must pass the catalog, as the subscriber will check it.
    expect(catalog.parse(JSON.parse(r.body))).toMatchObject({ ok: true });
    return JSON.parse(r.body) as OutboxEvent;
  });
}

export async function productJson(res: Response): Promise<Product> {
  return (await res.json()) as Product;
}

/**
 * design.md invariants 2 and 3 for every product: every unit put is accounted for, no
 * counter is negative, and `reserved`/`sold` equal the lines of RESERVED/SOLD reservations
 * (on `db`'s shard: a SKU's units and the lines holding them live on its shard).
 */
export async function expectConsistent(db: D1Database = env.DB): Promise<void> {
  const { results } = await db
    .prepare(
      `SELECT p.sku, p.available, p.reserved, p.sold, p.received,
       (SELECT COALESCE(SUM(l.quantity), 0) FROM reservation_lines l JOIN reservations r USING (order_id)
         WHERE l.sku = p.sku AND r.status = 'RESERVED') AS held,
       (SELECT COALESCE(SUM(l.quantity), 0) FROM reservation_lines l JOIN reservations r USING (order_id)
         WHERE l.sku = p.sku AND r.status = 'SOLD') AS soldByOrders
     FROM products p`,
    )
    .all<{
      sku: string;
      available: number;
      reserved: number;
      sold: number;
      received: number;
      held: number;
      soldByOrders: number;
    }>();
  expect(results.length).toBeGreaterThan(0);
  for (const p of results) {
    expect(p.available + p.reserved + p.sold, `units of ${p.sku}`).toBe(p.received);
    expect(
      Math.min(p.available, p.reserved, p.sold),
      `counters of ${p.sku}`,
    ).toBeGreaterThanOrEqual(0);
    expect(p.reserved, `reserved of ${p.sku}`).toBe(p.held);
    expect(p.sold, `sold of ${p.sku}`).toBe(p.soldByOrders);
  }
}
