import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { catalog, type Order } from "@edge-saga/contracts";
import { apiClient, expectStatus } from "@edge-saga/contracts/client";
import { asAdmin, asCustomer, deliver } from "@edge-saga/kit-testing";
import { type Envelope, runBatch } from "@edge-saga/shared";
import { database } from "../src/db/client";
import { catalogProducts } from "../src/db/tables";
import worker from "../src/index";

export const db = database(env);

/** The service's HTTP interface, as the gateway reaches it (the caller in `init`'s headers). */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://svc${path}`, init);
}

/** A POST of `body`; `headers` carry the caller (asCustomer, asAdmin), none: no caller. */
export function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/**
 * POST /orders of `body` as `customerId`, through the Worker's fetch with its WRITE_PATH set to
 * `path` and `bindings` in place of the env's; `headers` added to the request's.
 */
export async function postOrderOnWritePath(
  path: string,
  customerId: string,
  body: unknown,
  headers: Record<string, string> = {},
  bindings: Partial<Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request("http://svc/orders", {
      method: "POST",
      headers: { "content-type": "application/json", ...asCustomer(customerId), ...headers },
      body: JSON.stringify(body),
    }),
    { ...env, WRITE_PATH: path, ...bindings } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Puts products straight into the catalog replica (version 1). */
export async function seedProducts(products: { sku: string; priceCents: number }[]) {
  await runBatch(
    db,
    products.map((p) =>
      db.insert(catalogProducts).values({
        sku: p.sku,
        name: `product ${p.sku}`,
        priceCents: p.priceCents,
        version: 1,
        updatedAt: 0,
      }),
    ),
  );
}

/**
 * The service's public routes through the one typed client, as the gateway forwards them for
 * `caller` (asCustomer("alice"), asAdmin()).
 */
export function apiAs(caller: Record<string, string>) {
  return apiClient("http://svc", {
    fetch: (input, init) => {
      const request = new Request(input, init);
      for (const [name, value] of Object.entries(caller)) request.headers.set(name, value);
      return exports.default.fetch(request);
    },
  });
}

/** Places an order that must be accepted, as `customerId` herself, and returns it. */
export async function placeOrder(
  customerId: string,
  items: { sku: string; quantity: number }[],
  pointsToRedeem = 0,
) {
  const json = { items, pointsToRedeem };
  return (await expectStatus(apiAs(asCustomer(customerId)).orders.$post({ json }), 202)).body;
}

/** Reads an order that must exist; as an operator unless a caller is given. */
export async function getOrder(id: string, caller = asAdmin()) {
  return (await expectStatus(apiAs(caller).orders[":id"].$get({ param: { id } }), 200)).body;
}

/** Events this service published (its outbox), in commit order. */
export async function published(
  filter: { type?: string; orderId?: string } = {},
): Promise<Envelope<Record<string, unknown>>[]> {
  const { results } = await env.DB.prepare("SELECT body FROM outbox ORDER BY seq").all<{
    body: string;
  }>();
  return results
    .map((row) => JSON.parse(row.body) as Envelope<Record<string, unknown>>)
    .filter(
      (e) =>
        (!filter.type || e.type === filter.type) &&
        (!filter.orderId || e.aggregateId === filter.orderId),
    );
}

export async function count(query: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(query)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A queue that keeps what it is sent in `sent` instead of delivering it (the test delivers it). */
export function recordingQueue(sent: unknown[] = []): Queue & { sent: unknown[] } {
  return {
    sent,
    send: async (body: unknown) => {
      sent.push(body);
    },
  } as unknown as Queue & { sent: unknown[] };
}

/** A queue whose sends fail, as a broker that is down does. */
export function failingQueue(): Queue {
  return {
    send: async () => {
      throw new Error("queue unavailable");
    },
  } as unknown as Queue;
}

/** Delivers message bodies to the order inbox as one batch. */
export function deliverToOrder(...bodies: unknown[]) {
  return deliver(worker as ExportedHandler<Env>, env, "order-inbox", bodies);
}

const replyEnvelope = (orderId: string, source: string) => ({
  aggregateType: source,
  aggregateId: orderId,
  correlationId: orderId,
  causationId: `cause-${orderId}`,
});

export const replies = {
  stockReserved: (order: Order) =>
    catalog.create("StockReserved", {
      ...replyEnvelope(order.id, "reservation"),
      payload: {
        orderId: order.id,
        items: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
      },
    }),
  stockFailed: (order: Order, reason: "OUT_OF_STOCK" | "UNKNOWN_PRODUCT" = "OUT_OF_STOCK") =>
    catalog.create("StockReservationFailed", {
      ...replyEnvelope(order.id, "reservation"),
      payload: { orderId: order.id, reason, skus: order.items.map((i) => i.sku) },
    }),
  pointsReserved: (order: Order) =>
    catalog.create("PointsReserved", {
      ...replyEnvelope(order.id, "points-hold"),
      payload: { orderId: order.id, customerId: order.customerId, points: order.pointsRedeemed },
    }),
  pointsFailed: (order: Order) =>
    catalog.create("PointsReservationFailed", {
      ...replyEnvelope(order.id, "points-hold"),
      payload: {
        orderId: order.id,
        customerId: order.customerId,
        points: order.pointsRedeemed,
        reason: "INSUFFICIENT_POINTS",
      },
    }),
  paymentAuthorized: (order: Order) =>
    catalog.create("PaymentAuthorized", {
      ...replyEnvelope(order.id, "payment"),
      payload: { orderId: order.id, amountCents: order.totalCents - order.pointsRedeemed },
    }),
  paymentDeclined: (order: Order, reason = "card_declined") =>
    catalog.create("PaymentDeclined", {
      ...replyEnvelope(order.id, "payment"),
      payload: { orderId: order.id, amountCents: order.totalCents - order.pointsRedeemed, reason },
    }),
  pointsAwarded: (order: Order, points: number) =>
    catalog.create("PointsAwarded", {
      ...replyEnvelope(order.id, "rewards-account"),
      payload: { orderId: order.id, customerId: order.customerId, points },
    }),
};
