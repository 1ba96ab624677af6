import { env, exports } from "cloudflare:workers";
import { catalog } from "@edge-saga/contracts";
import { asCustomer, deliver } from "@edge-saga/kit-testing";
import { expect, vi } from "vitest";
import worker from "../src/index";

let counter = 0;
/** Every test in a file shares its storage: ids are unique per test instead. */
export const uniqueId = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

export const call = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://payment${path}`, init);

/** The customer of a test order (orderEvents). */
export const customerOf = (orderId: string) => `cust-${orderId}`;

/** `GET /orders/{id}/payment`, by the order's customer unless another caller is given. */
export const getPayment = (
  orderId: string,
  caller: Record<string, string> = asCustomer(customerOf(orderId)),
) => call(`/orders/${orderId}/payment`, { headers: caller });

/** The sandbox itself, as an operator reads it (its ledger) or a test arms it (faults). */
export async function psp<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await env.PSP.fetch(`http://psp${path}`, {
    ...init,
    headers: { authorization: "Bearer sk_test_sandbox", "content-type": "application/json" },
  });
  expect(response.status, `${init.method ?? "GET"} ${path}`).toBeLessThan(300);
  return response.json<T>();
}

export interface LedgerEntry {
  intent: string;
  kind: "authorization" | "decline" | "capture" | "void" | "refund";
  amount: number;
  idempotency_key: string | null;
}

/** Everything the processor did for one order, in order (its ledger). */
export async function ledgerOf(orderId: string): Promise<LedgerEntry[]> {
  const { data } = await psp<{ data: LedgerEntry[] }>(
    `/v1/ledger/entries?order_id=${encodeURIComponent(orderId)}`,
  );
  return data;
}

/** The ledger of one order as `kind amount` lines: what a reader checks at a glance. */
export const ledgerLines = async (orderId: string) =>
  (await ledgerOf(orderId)).map((e) => `${e.kind} ${e.amount}`);

export const setFaults = (plan: object) =>
  psp("/v1/test/faults", { method: "PUT", body: JSON.stringify(plan) });
export const clearFaults = () => psp("/v1/test/faults", { method: "DELETE" });

/** Delivers events to the payment inbox as one batch; each is settled (none left to retry). */
export async function inbox(...events: unknown[]) {
  const result = await deliver(worker, env, "payment-inbox", events);
  expect(result.retryMessages, "messages left for a retry").toEqual([]);
  return result;
}

export async function paymentRow(orderId: string) {
  return env.DB.prepare(
    "SELECT requested, status, amount_cents AS amountCents, intent_id AS intentId FROM payments WHERE order_id = ?",
  )
    .bind(orderId)
    .first<{ requested: string; status: string; amountCents: number; intentId: string | null }>();
}

/** Waits until the relay made every effect of the order (its alarm runs them after the poke). */
export async function effectsSettled(orderId: string, timeout = 10_000) {
  await vi.waitFor(
    async () => {
      const pending = await env.DB.prepare(
        "SELECT COUNT(*) AS n FROM effects WHERE subject = ? AND status = 'PENDING'",
      )
        .bind(orderId)
        .first<{ n: number }>();
      expect(pending?.n).toBe(0);
    },
    { timeout, interval: 50 },
  );
}

/** Payment events the service committed for the order, in commit order. */
export async function reported(orderId: string) {
  const { results } = await env.DB.prepare(
    "SELECT body FROM outbox WHERE correlation_id = ? ORDER BY seq",
  )
    .bind(orderId)
    .all<{ body: string }>();
  return results.map(
    (r) => JSON.parse(r.body) as { type: string; payload: Record<string, unknown> },
  );
}

const envelope = (orderId: string) => ({
  aggregateType: "order",
  aggregateId: orderId,
  correlationId: orderId,
  causationId: `req-${orderId}`,
});

/** The order service's events about one order. */
export function orderEvents(
  orderId: string,
  o: { totalCents?: number; pointsToRedeem?: number; paymentMethod?: string } = {},
) {
  const customerId = customerOf(orderId);
  const totalCents = o.totalCents ?? 2500;
  const pointsToRedeem = o.pointsToRedeem ?? 0;
  return {
    placed: catalog.create("OrderPlaced", {
      ...envelope(orderId),
      payload: {
        orderId,
        customerId,
        items: [{ sku: "lamp", quantity: 1, unitPriceCents: totalCents }],
        totalCents,
        pointsToRedeem,
        paymentMethod: o.paymentMethod ?? null,
      },
    }),
    confirmed: catalog.create("OrderConfirmed", {
      ...envelope(orderId),
      payload: {
        orderId,
        customerId,
        totalCents,
        pointsRedeemed: pointsToRedeem,
        pointsEarned: Math.floor((totalCents - pointsToRedeem) / 100),
      },
    }),
    rejected: catalog.create("OrderRejected", {
      ...envelope(orderId),
      payload: { orderId, customerId, reason: "OUT_OF_STOCK" },
    }),
    cancelled: (previousStatus: "PENDING" | "CONFIRMED") =>
      catalog.create("OrderCancelled", {
        ...envelope(orderId),
        payload: { orderId, customerId, previousStatus },
      }),
  };
}

/**
 * As if OrderPlaced's handler had committed the payment and its authorization (1300 cents)
 * but no poke reached the relay; `attempts`: calls already made without an answer.
 */
export function recordAuthorization(orderId: string, attempts = 0) {
  return env.DB.batch([
    env.DB.prepare(
      `INSERT INTO payments (order_id, customer_id, amount_cents, requested, status, created_at, updated_at)
       VALUES (?, 'c', 1300, 'AUTHORIZE', 'PENDING', 0, 0)`,
    ).bind(orderId),
    env.DB.prepare(
      `INSERT INTO effects (key, kind, subject, correlation_id, request, status, attempts, next_attempt_at, created_at)
       VALUES (?, 'authorize', ?, ?, ?, 'PENDING', ?, 0, 0)`,
    ).bind(
      `payment:${orderId}:authorize`,
      orderId,
      orderId,
      JSON.stringify({ orderId, cause: "recorded" }),
      attempts,
    ),
  ]);
}

/** An order placed and confirmed, its authorization and capture made; its events, for more. */
export async function capturedOrder(orderId: string, totalCents: number) {
  const events = orderEvents(orderId, { totalCents });
  await inbox(events.placed);
  await effectsSettled(orderId);
  await inbox(events.confirmed);
  await effectsSettled(orderId);
  return events;
}
