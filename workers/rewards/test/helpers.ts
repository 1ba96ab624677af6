import { env, exports } from "cloudflare:workers";
import { catalog, pointsEarnedFor, type RejectionReason } from "@edge-saga/contracts";
import { asAdmin, asCustomer, deliver } from "@edge-saga/kit-testing";
import type { Envelope } from "@edge-saga/shared";
import { drizzle } from "drizzle-orm/d1";
import { expect } from "vitest";
import { readAccount } from "../src/db/account-store";
import { type AccountEvent, foldAll } from "../src/domain/points-account";
import worker from "../src/index";

/** Every test in a file shares its storage: ids are unique per test instead. */
let counter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;

export function request(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`http://rewards${path}`, init);
}

/** `GET /customers/{id}/rewards{suffix}`, by the customer herself unless another caller is given. */
export function readRewards(
  customerId: string,
  suffix = "",
  caller: Record<string, string> = asCustomer(customerId),
): Promise<Response> {
  return request(`/customers/${customerId}/rewards${suffix}`, { headers: caller });
}

/** `POST /customers/{id}/rewards/grants`, by an operator unless another caller is given. */
export function postGrant(
  customerId: string,
  body: unknown,
  headers: Record<string, string> = {},
  caller: Record<string, string> = asAdmin(),
) {
  return request(`/customers/${customerId}/rewards/grants`, {
    method: "POST",
    headers: { "content-type": "application/json", ...caller, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Grants points through the API, as an operator would. */
export async function grant(customerId: string, points: number): Promise<void> {
  const res = await postGrant(customerId, { points, reason: "test seed" });
  expect(res.status).toBe(201);
}

/** Delivers events as one queue batch; each must be settled (acked), none left for a retry. */
export async function inbox(...events: unknown[]) {
  const result = await deliver(worker, env, "rewards-inbox", events);
  expect(result.retryMessages, "messages left for a retry").toEqual([]);
  expect(result.explicitAcks).toHaveLength(events.length);
  return result;
}

/** Delivers events as one batch and returns the ack/retry result unchecked. */
export const deliverRaw = (...events: unknown[]) => deliver(worker, env, "rewards-inbox", events);

const fromOrderService = (orderId: string) => ({
  aggregateType: "order",
  aggregateId: orderId,
  correlationId: orderId,
  causationId: `cmd-${orderId}`,
});

/** One order of `totalCents`, as the order service would describe it. */
export interface TestOrder {
  orderId: string;
  customerId: string;
  totalCents: number;
  pointsToRedeem: number;
}

export function newOrder(
  customerId: string,
  pointsToRedeem: number,
  totalCents = 10_000,
): TestOrder {
  return { orderId: uniqueId("order"), customerId, totalCents, pointsToRedeem };
}

/** A new customer granted 100 points, and an order of theirs, not yet delivered. */
export async function customerWithOrder(
  pointsToRedeem: number,
  totalCents?: number,
): Promise<TestOrder> {
  const customerId = uniqueId("cust");
  await grant(customerId, 100);
  return newOrder(customerId, pointsToRedeem, totalCents);
}

/** `customerWithOrder` with its OrderPlaced delivered: the order holds its points. */
export async function placedOrder(pointsToRedeem: number, totalCents?: number): Promise<TestOrder> {
  const order = await customerWithOrder(pointsToRedeem, totalCents);
  await inbox(orderPlaced(order));
  return order;
}

/** What the order service computes (contracts' `pointsEarnedFor`). */
export const earnedBy = (o: TestOrder) => pointsEarnedFor(o.totalCents, o.pointsToRedeem);

export const orderPlaced = (o: TestOrder) =>
  catalog.create("OrderPlaced", {
    ...fromOrderService(o.orderId),
    payload: {
      orderId: o.orderId,
      customerId: o.customerId,
      items: [{ sku: "sku-1", quantity: 1, unitPriceCents: o.totalCents }],
      totalCents: o.totalCents,
      pointsToRedeem: o.pointsToRedeem,
    },
  });

export const orderConfirmed = (o: TestOrder) =>
  catalog.create("OrderConfirmed", {
    ...fromOrderService(o.orderId),
    payload: {
      orderId: o.orderId,
      customerId: o.customerId,
      totalCents: o.totalCents,
      pointsRedeemed: o.pointsToRedeem,
      pointsEarned: earnedBy(o),
    },
  });

export const orderRejected = (o: TestOrder, reason: RejectionReason = "OUT_OF_STOCK") =>
  catalog.create("OrderRejected", {
    ...fromOrderService(o.orderId),
    payload: { orderId: o.orderId, customerId: o.customerId, reason },
  });

export const orderCancelled = (o: TestOrder, previousStatus: "PENDING" | "CONFIRMED") =>
  catalog.create("OrderCancelled", {
    ...fromOrderService(o.orderId),
    payload: { orderId: o.orderId, customerId: o.customerId, previousStatus },
  });

export interface AccountRow {
  balance: number;
  reserved: number;
  lifetime_earned: number;
}

/**
 * The account as the service reads it (latest snapshot + the entries after it), checked against
 * a fold of the whole ledger from scratch; null for a customer with no ledger entry.
 */
export async function accountRow(customerId: string): Promise<AccountRow | null> {
  const read = await readAccount(drizzle(env.DB), customerId);
  const all = await env.DB.prepare(
    "SELECT kind, points, reserved FROM ledger WHERE customer_id = ? ORDER BY seq",
  )
    .bind(customerId)
    .all<AccountEvent>();
  expect(read.version, "version == number of ledger entries").toBe(all.results.length);
  expect(read.state, "snapshot + tail == fold of the whole ledger").toEqual(foldAll(all.results));
  if (read.version === 0) return null;
  const { balance, reserved, lifetimeEarned } = read.state;
  return { balance, reserved, lifetime_earned: lifetimeEarned };
}

export async function holdRow(orderId: string) {
  return env.DB.prepare("SELECT customer_id, points, status FROM holds WHERE order_id = ?")
    .bind(orderId)
    .first<{ customer_id: string; points: number; status: string }>();
}

export async function awardRow(orderId: string) {
  return env.DB.prepare("SELECT points, status FROM awards WHERE order_id = ?")
    .bind(orderId)
    .first<{ points: number; status: string }>();
}

/** The customer's balance changes (ledger entries other than HOLD and RELEASE), oldest first. */
export async function ledgerRows(customerId: string) {
  const rows = await env.DB.prepare(
    "SELECT order_id, kind, points, reason, causation_id FROM ledger WHERE customer_id = ? AND kind NOT IN ('HOLD', 'RELEASE') ORDER BY seq",
  )
    .bind(customerId)
    .all<{
      order_id: string | null;
      kind: string;
      points: number;
      reason: string | null;
      causation_id: string;
    }>();
  return rows.results;
}

/** Events this service published (its outbox), optionally only those of one saga. */
export async function published(correlationId?: string) {
  const rows = await env.DB.prepare(
    `SELECT body FROM outbox ${correlationId ? "WHERE correlation_id = ?" : ""} ORDER BY seq`,
  )
    .bind(...(correlationId ? [correlationId] : []))
    .all<{ body: string }>();
  return rows.results.map((r) => JSON.parse(r.body) as Envelope<Record<string, unknown>>);
}

/**
 * design.md invariant 4, checked from what the test did, not from rewards' own bookkeeping:
 * balance == grants + earned - redeemed over the orders that ended confirmed and not cancelled,
 * and balance == sum(ledger); reserved never negative, and 0 once `quiet` (no order pending).
 */
export async function expectConsistent(
  customerId: string,
  expected: { grants: number; confirmed: TestOrder[]; quiet?: boolean },
): Promise<void> {
  const account = (await accountRow(customerId)) ?? { balance: 0, reserved: 0, lifetime_earned: 0 };
  const earned = expected.confirmed.reduce((sum, o) => sum + earnedBy(o), 0);
  const redeemed = expected.confirmed.reduce((sum, o) => sum + o.pointsToRedeem, 0);
  const ledgerSum = (await ledgerRows(customerId)).reduce((sum, r) => sum + r.points, 0);
  expect(account.reserved).toBeGreaterThanOrEqual(0);
  expect(account.balance, "balance == sum(ledger)").toBe(ledgerSum);
  expect(account.balance, "balance == grants + earned - redeemed").toBe(
    expected.grants + earned - redeemed,
  );
  expect(account.lifetime_earned).toBe(earned);
  if (expected.quiet !== false) expect(account.reserved, "reserved when quiet").toBe(0);
}
