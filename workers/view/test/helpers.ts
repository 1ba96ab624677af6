import { env, exports } from "cloudflare:workers";
import { apiClient, expectStatus } from "@edge-saga/contracts/client";
import { asCustomer, deliver } from "@edge-saga/kit-testing";
import { seededRandom } from "@edge-saga/kit-testing/seeded-random";
import { createEnvelope, type Envelope, newId } from "@edge-saga/shared";
import { expect } from "vitest";
import type { StoredOrder } from "../src/db/order-history-store";
import worker from "../src/index";

/** The service's HTTP interface, as the gateway reaches it. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://svc${path}`, init);
}

/** The service's public routes through the one typed client, as the gateway forwards them. */
export const api = apiClient("http://svc", {
  fetch: (input, init) => exports.default.fetch(new Request(input, init)),
});

/** `GET /customers/{id}/orders`: one page of the customer's history, read by her by default. */
export async function history(
  id: string,
  query: { limit?: string; cursor?: string } = {},
  caller: Record<string, string> = asCustomer(id),
) {
  const get = api.customers[":id"].orders.$get({ param: { id }, query }, { headers: caller });
  return (await expectStatus(get, 200)).body;
}

/** Every stored row (placed or not), by id. */
export async function storedOrders(): Promise<StoredOrder[]> {
  const res = await call("/admin/snapshot/orders");
  expect(res.status).toBe(200);
  return (await res.json<{ orders: StoredOrder[] }>()).orders;
}

export async function rebuild(): Promise<void> {
  const res = await call("/admin/projection/rebuild", { method: "POST" });
  expect(res.status).toBe(200);
}

/** Delivers bodies to the view's inbox consumer as one batch: all acked, none dead-lettered. */
export async function deliverAll(bodies: unknown[]): Promise<void> {
  const deadLetters = () =>
    env.DB.prepare("SELECT count(*) AS n FROM dead_letters").first<number>("n");
  const before = await deadLetters();
  const result = await deliver(worker, env, "view-inbox", bodies);
  expect(result.retryMessages).toEqual([]);
  expect(result.explicitAcks.length).toBe(bodies.length);
  expect(await deadLetters()).toBe(before);
}

let clock = Date.parse("2026-05-01T10:00:00.000Z");

/** An event as its producer would publish it; times grow a second per event. */
export function event(
  type: string,
  source: string,
  aggregateId: string,
  payload: unknown,
  options: { sequence?: number; version?: number } = {},
): Envelope {
  clock += 1000;
  return createEnvelope({
    type,
    // ProductUpserted is at version 2 (contracts); everything else at 1.
    version: options.version ?? (type === "ProductUpserted" ? 2 : 1),
    source,
    aggregateType: source === "inventory" && type === "ProductUpserted" ? "product" : "order",
    aggregateId,
    sequence: options.sequence ?? 1,
    correlationId: aggregateId,
    causationId: newId(),
    payload,
    occurredAt: new Date(clock),
  });
}

/** `events` shuffled by `seed`, about a third sent twice, cut into batches of 1-`maxBatch`. */
export function shuffledBatches<E>(events: E[], seed: number, maxBatch: number): E[][] {
  const random = seededRandom(seed);
  const bodies = [...events];
  for (const e of events) if (random() < 0.35) bodies.push(structuredClone(e));
  for (let i = bodies.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j] as E, bodies[i] as E];
  }
  const batches: E[][] = [];
  for (let i = 0; i < bodies.length; ) {
    const size = 1 + Math.floor(random() * maxBatch);
    batches.push(bodies.slice(i, i + size));
    i += size;
  }
  return batches;
}

/** The product as inventory publishes it, at `sequence`. */
export const productUpserted = (sku: string, name: string, amountCents: number, sequence = 1) =>
  event(
    "ProductUpserted",
    "inventory",
    sku,
    { sku, name, price: { amountCents, currency: "USD" } },
    { sequence },
  );
