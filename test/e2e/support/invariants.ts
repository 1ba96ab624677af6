import {
  type Order,
  type OrderPayment,
  type OutboxStatus,
  type Product,
  pointsEarnedFor,
  type RewardsAccount,
} from "@edge-saga/contracts";
import { api } from "./api";
import { sleep } from "./wait";

export interface Ledger {
  /** Stock put per SKU (by `PUT /products/{sku}`, once). */
  stock: ReadonlyMap<string, number>;
  /** Points granted per customer. */
  grants: ReadonlyMap<string, number>;
}

/** Everything the checker reads, as the API answered it. */
export interface Snapshot {
  /** What the checker reads of each service's outbox. */
  outbox: Record<string, Pick<OutboxStatus, "pending" | "outboxRows" | "inboxRows">>;
  deadLetters: Record<string, unknown[]>;
  products: Map<string, Product>;
  orders: Map<string, Order[]>;
  accounts: Map<string, RewardsAccount>;
  /** Per order id: its payment (GET /orders/{id}/payment). */
  payments: Map<string, OrderPayment>;
}

async function snapshot(ledger: Ledger): Promise<Snapshot> {
  const [outbox, deadLetters] = await Promise.all([api.outbox(), api.deadLetters()]);
  const products = new Map<string, Product>();
  const orders = new Map<string, Order[]>();
  const accounts = new Map<string, RewardsAccount>();
  await Promise.all([
    ...[...ledger.stock.keys()].map(async (sku) => products.set(sku, await api.getProduct(sku))),
    ...[...ledger.grants.keys()].map(async (customer) => {
      const [list, account] = await Promise.all([
        api.listOrders(customer),
        api.getRewards(customer),
      ]);
      orders.set(customer, list);
      accounts.set(customer, account);
    }),
  ]);
  const payments = new Map<string, OrderPayment>();
  await Promise.all(
    [...orders.values()].flat().map(async (o) => payments.set(o.id, await api.getPayment(o.id))),
  );
  return {
    payments,
    outbox,
    deadLetters: Object.fromEntries(
      Object.entries(deadLetters).map(([service, answer]) => [service, answer.deadLetters]),
    ),
    products,
    orders,
    accounts,
  };
}

/** Every broken invariant in `s`, as a sentence; empty when consistent. */
export function violations(ledger: Ledger, s: Snapshot): string[] {
  const found: string[] = [];
  const allOrders = [...s.orders.values()].flat();
  const confirmed = allOrders.filter((o) => o.status === "CONFIRMED");

  // 1. No order stays PENDING once nothing is in flight.
  for (const o of allOrders) {
    if (o.status === "PENDING") found.push(`order ${o.id} is still PENDING`);
    const lines = o.items.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
    if (lines !== o.totalCents)
      found.push(`order ${o.id}: totalCents ${o.totalCents} != lines ${lines}`);
  }

  // 2 + 3. Per SKU: units conserved, nothing held, sold == confirmed quantity, nothing negative.
  for (const [sku, stock] of ledger.stock) {
    const p = s.products.get(sku);
    if (!p) {
      found.push(`product ${sku} missing`);
      continue;
    }
    const soldByOrders = confirmed
      .flatMap((o) => o.items)
      .filter((line) => line.sku === sku)
      .reduce((sum, line) => sum + line.quantity, 0);
    if (p.available < 0 || p.reserved < 0 || p.sold < 0)
      found.push(`${sku} negative: ${JSON.stringify(p)}`);
    if (p.available + p.reserved + p.sold !== stock) {
      found.push(
        `${sku}: available ${p.available} + reserved ${p.reserved} + sold ${p.sold} != stock ${stock}`,
      );
    }
    if (p.reserved !== 0) found.push(`${sku}: reserved ${p.reserved} != 0 when quiet`);
    if (p.sold !== soldByOrders)
      found.push(`${sku}: sold ${p.sold} != ${soldByOrders} in CONFIRMED orders`);
  }

  // 4. Per customer: balance == grants + earned(confirmed) - redeemed(confirmed), nothing held.
  for (const [customer, granted] of ledger.grants) {
    const account = s.accounts.get(customer);
    const mine = (s.orders.get(customer) ?? []).filter((o) => o.status === "CONFIRMED");
    const earned = mine.reduce((sum, o) => sum + o.pointsEarned, 0);
    const redeemed = mine.reduce((sum, o) => sum + o.pointsRedeemed, 0);
    const expected = granted + earned - redeemed;
    if (!account) {
      found.push(`rewards account of ${customer} missing`);
      continue;
    }
    if (account.balance !== expected) {
      found.push(
        `${customer}: balance ${account.balance} != grants ${granted} + earned ${earned} - redeemed ${redeemed}`,
      );
    }
    if (account.reserved !== 0)
      found.push(`${customer}: reserved ${account.reserved} != 0 when quiet`);
    // What rewards credited for orders (awards minus take-backs) equals what the orders say they earned.
    if (account.lifetimeEarned !== earned) {
      found.push(
        `${customer}: rewards credited ${account.lifetimeEarned} != pointsEarned ${earned} of CONFIRMED orders`,
      );
    }
    for (const o of mine) {
      if (o.pointsEarned !== pointsEarnedFor(o.totalCents, o.pointsRedeemed)) {
        found.push(
          `order ${o.id}: pointsEarned ${o.pointsEarned} != floor((${o.totalCents} - ${o.pointsRedeemed}) / 100)`,
        );
      }
    }
    for (const o of s.orders.get(customer) ?? []) {
      if (o.status === "REJECTED" && o.pointsEarned !== 0) {
        found.push(`rejected order ${o.id} earned ${o.pointsEarned} points`);
      }
    }
  }

  // 7. Payments match orders: what the card pays, captured only for CONFIRMED orders, refunded
  // for cancelled ones that had been captured, nothing held once decided (the checker also
  // compares the processor's ledger: GET /admin/consistency).
  const settled: Record<Order["status"], readonly string[]> = {
    PENDING: [],
    CONFIRMED: ["CAPTURED"],
    REJECTED: ["DECLINED", "VOIDED"],
    CANCELLED: ["VOIDED", "REFUNDED"],
  };
  for (const o of allOrders) {
    const payment = s.payments.get(o.id);
    const amount = o.totalCents - o.pointsRedeemed;
    const allowed = amount === 0 ? ["NOT_REQUIRED", "VOIDED"] : settled[o.status];
    if (!payment) found.push(`order ${o.id}: no payment`);
    else if (payment.amountCents !== amount && payment.status !== "VOIDED")
      found.push(`order ${o.id}: payment of ${payment.amountCents} != ${amount} to pay`);
    else if (!allowed.includes(payment.status))
      found.push(`order ${o.id} ${o.status}: payment ${payment.status}, not ${allowed.join("/")}`);
  }

  // 5. Every outbox row published, no dead letters.
  for (const [service, status] of Object.entries(s.outbox)) {
    if (status.pending !== 0) found.push(`${service}: ${status.pending} outbox rows pending`);
  }
  for (const [service, letters] of Object.entries(s.deadLetters)) {
    if (letters.length > 0) {
      found.push(
        `${service}: ${letters.length} dead letters, first: ${JSON.stringify(letters[0]).slice(0, 500)}`,
      );
    }
  }
  return found;
}

const counters = (s: Snapshot) =>
  JSON.stringify(Object.entries(s.outbox).map(([name, o]) => [name, o.outboxRows, o.inboxRows]));

/**
 * Asserts design.md's invariants 1-5 for the ledger's SKUs and customers. They hold only once
 * the system is quiet, so this re-reads until two snapshots `stableMs` apart are both
 * consistent and show the same outbox/inbox counts (nothing moved in between), or fails after
 * `timeoutMs` with what was still wrong.
 */
export async function assertConsistent(
  ledger: Ledger,
  options: { timeoutMs?: number; stableMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const stableMs = options.stableMs ?? 300;
  let previous: Snapshot | undefined;
  let problems: string[] = [];
  for (;;) {
    const current = await snapshot(ledger);
    problems = violations(ledger, current);
    if (problems.length === 0 && previous && counters(previous) === counters(current)) return;
    previous = problems.length === 0 ? current : undefined;
    if (Date.now() > deadline) break;
    await sleep(stableMs);
  }
  throw new Error(
    `invariants broken after ${options.timeoutMs ?? 30_000} ms:\n- ${
      problems.length ? problems.join("\n- ") : "the system never became quiet"
    }`,
  );
}
