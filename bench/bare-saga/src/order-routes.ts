import { counts, json } from "./counted";
import {
  type Env,
  type Order,
  orderFromRequest,
  orderStatus,
  placeOrder,
  setup,
} from "./participants";

/** Every bench order's price (the bench's products are all priced so). */
const PRICE_CENTS = 1_000;

/**
 * The HTTP side of a baseline saga, the same for the bare saga and the Workflow; `startSaga`
 * is what differs (messages to the participants, or a Workflow instance).
 *
 * - POST /setup?skus=a,b: tables and stock
 * - POST /orders { customerId, sku, quantity? } -> 202 { id }
 * - GET /orders/{id} -> { status, placedAt, decidedAt, pointsAwardedAt }
 * - GET /counts: this isolate's counts (counted.ts), not itself counted
 */
export async function orderRoutes(
  request: Request,
  env: Env,
  startSaga: (order: Order) => Promise<unknown>,
): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  if (request.method === "GET" && path === "/") return json({ ok: true });
  if (request.method === "GET" && path === "/counts") {
    counts.isolate ||= crypto.randomUUID();
    return json(counts);
  }
  counts.invocations.fetch++;
  if (request.method === "POST" && path === "/setup") {
    await setup(env, (url.searchParams.get("skus") ?? "bench-0").split(","), 1_000_000);
    return json({ ok: true });
  }
  if (request.method === "POST" && path === "/orders") {
    const order = orderFromRequest(await request.json(), PRICE_CENTS);
    if (!order) return json({ error: "customerId and sku required" }, 400);
    await placeOrder(env, order);
    await startSaga(order);
    return json({ id: order.id }, 202);
  }
  const id = /^\/orders\/([^/]+)$/.exec(path)?.[1];
  if (request.method === "GET" && id) {
    counts.polls++;
    const status = await orderStatus(env, id);
    return status ? json(status) : json({ error: "not found" }, 404);
  }
  return json({ error: "not found" }, 404);
}
