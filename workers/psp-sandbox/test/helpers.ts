import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../src/index";

export const AUTH = { authorization: "Bearer sk_test_sandbox" };

/** Every test in a file shares the processor's storage: order ids are unique per test instead. */
let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON the tests pick apart
export type Json = any;

export function request(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Request {
  return new Request(`http://psp${path}`, {
    method,
    headers: { ...AUTH, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A call through the Worker as the payment service makes it (the runtime's fetch path). */
export async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await exports.default.fetch(request(method, path, body, headers));
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** The Worker's fetch handler with some vars replaced (faults off...). */
export async function callWith(overrides: Record<string, unknown>, req: Request) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(req, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export const key = (headers: Record<string, string>, idempotencyKey?: string) =>
  idempotencyKey ? { ...headers, "idempotency-key": idempotencyKey } : headers;

/** The customer the payment service authorizes for unless a test names another (null: none). */
export const SHOPPER = "shopper";

export function authorize(
  orderId: string,
  options: {
    amount?: number;
    payment_method?: string;
    customer?: string | null;
    key?: string;
  } = {},
) {
  const { amount = 1000, payment_method, customer = SHOPPER, key: idempotencyKey } = options;
  return call(
    "POST",
    "/v1/payment_intents",
    {
      amount,
      currency: "usd",
      ...(customer === null ? {} : { customer }),
      ...(payment_method ? { payment_method } : {}),
      capture_method: "manual",
      metadata: { order_id: orderId },
    },
    key({}, idempotencyKey),
  );
}

export const capture = (id: string, body: unknown = {}, idempotencyKey?: string) =>
  call("POST", `/v1/payment_intents/${id}/capture`, body, key({}, idempotencyKey));

export const cancel = (id: string, idempotencyKey?: string) =>
  call("POST", `/v1/payment_intents/${id}/cancel`, undefined, key({}, idempotencyKey));

export const refund = (paymentIntent: string, amount?: number, idempotencyKey?: string) =>
  call(
    "POST",
    "/v1/refunds",
    { payment_intent: paymentIntent, ...(amount === undefined ? {} : { amount }) },
    key({}, idempotencyKey),
  );

/** An approved, held intent of a fresh order. */
export async function held(amount = 1000): Promise<Json> {
  const res = await authorize(uniqueId("order"), { amount });
  expect(res.status).toBe(200);
  return res.body;
}

export async function ledger(): Promise<Json> {
  const res = await call("GET", "/v1/ledger");
  expect(res.status).toBe(200);
  return res.body;
}

export async function entries(orderId: string): Promise<Json[]> {
  const res = await call("GET", `/v1/ledger/entries?order_id=${orderId}`);
  expect(res.status).toBe(200);
  return res.body.data;
}
