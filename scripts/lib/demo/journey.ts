/**
 * Following one order through the saga: polls it (and its stock, points and card payment) until
 * it settles, printing each step as it happened, and compares where it ended with what the demo
 * expected.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type {
  Order,
  OrderPayment,
  OrderStatus,
  OrderTransition,
  PaymentStatus,
  Product,
  RewardsAccount,
} from "@edge-saga/contracts";
import { describePayment, describePoints, describeStock, describeTransition } from "./narration";
import type { Service } from "./output";
import { type Context, type Counts, type Deltas, type Points, productName } from "./world";

/** How long one step of the saga may take before the demo calls it a failure. */
const SETTLE_TIMEOUT_MS = 20_000;
const POLL_MS = 15;
/** Journey lines wait this long before printing, so that they come out in time order. */
const HOLD_BACK_MS = 150;

export interface Snapshot {
  order: Order;
  history: OrderTransition[];
  stock: Map<string, Product>;
  points: Map<string, RewardsAccount>;
  payment: OrderPayment;
}

/** Where the order's card payment must end: its status, and its amount when given. */
export interface ExpectedPayment {
  status: PaymentStatus;
  amountCents?: number;
}

async function snapshot(
  ctx: Context,
  orderId: string,
  skus: string[],
  customers: string[],
): Promise<Snapshot> {
  const [order, history, payment, products, accounts] = await Promise.all([
    ctx.client.getOrder(orderId),
    ctx.client.getHistory(orderId),
    ctx.client.getPayment(orderId),
    Promise.all(skus.map((sku) => ctx.client.getProduct(sku))),
    Promise.all(customers.map((id) => ctx.client.getRewards(id))),
  ]);
  return {
    order,
    history,
    stock: new Map(products.map((p) => [p.sku, p])),
    points: new Map(accounts.map((a) => [a.customerId, a])),
    payment,
  };
}

/** Where a followed order ended: what differs from the expected end (nothing when it settled). */
export interface Journey {
  problems: string[];
  order?: Order;
  last: Snapshot | undefined;
}

/**
 * Polls the order, its history, its payment, and the stock and points it touches, printing every
 * new transition (at the time the order service recorded it) and every change of stock, points
 * or payment (at the time it was seen, marked `~`), until the order has `expected.status`, its
 * payment `expected.payment` and the stock and points have their expected values — or the time
 * is up.
 */
export async function follow(
  ctx: Context,
  orderId: string,
  t0: number,
  expected: {
    status: OrderStatus;
    reason?: string;
    deltas: Deltas;
    pointsEarned?: number;
    /** A transition (`change`) that must be in the history too, e.g. `PointsAwarded`. */
    change?: string;
    payment?: ExpectedPayment;
  },
  start: {
    seen: Set<number>;
    stock: Map<string, Product>;
    points: Map<string, RewardsAccount>;
    /** The payment before the request (undefined for a new order: nothing to compare with). */
    payment?: OrderPayment;
  },
): Promise<Journey> {
  const { out } = ctx;
  const skus = [...start.stock.keys()];
  const customers = [...start.points.keys()];
  const want = ctx.model.after(expected.deltas);
  let previous: {
    stock: Map<string, Product>;
    points: Map<string, RewardsAccount>;
    payment: OrderPayment | undefined;
  } = { stock: start.stock, points: start.points, payment: start.payment };
  let last: Snapshot | undefined;
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  const pending: { ms: number; service: Service; text: string; observed: boolean }[] = [];
  const flush = (upTo: number) => {
    pending.sort((a, b) => a.ms - b.ms);
    while (pending.length > 0 && pending[0]!.ms <= upTo) {
      const l = pending.shift()!;
      out.step(l.ms, l.service, l.text, l.observed);
    }
  };
  for (;;) {
    last = await snapshot(ctx, orderId, skus, customers);
    const seenAt = Date.now() - t0;
    const compensating = last.order.status === "REJECTED" || last.order.status === "CANCELLED";
    const lines: { ms: number; service: Service; text: string; observed: boolean }[] = [];
    for (const t of last.history) {
      if (start.seen.has(t.version)) continue;
      start.seen.add(t.version);
      const ms = Date.parse(t.at) - t0;
      lines.push({
        ms,
        service: "order",
        text: describeTransition(out, t, last.order),
        observed: false,
      });
    }
    for (const sku of skus) {
      const text = describeStock(
        out,
        productName(ctx, sku),
        previous.stock.get(sku)!,
        last.stock.get(sku)!,
        compensating,
      );
      if (text) lines.push({ ms: seenAt, service: "inventory", text, observed: true });
    }
    for (const id of customers) {
      const text = describePoints(
        out,
        id,
        previous.points.get(id)!,
        last.points.get(id)!,
        compensating,
      );
      if (text) lines.push({ ms: seenAt, service: "rewards", text, observed: true });
    }
    const paid = describePayment(out, previous.payment, last.payment, compensating);
    if (paid) lines.push({ ms: seenAt, service: "payment", text: paid, observed: true });
    pending.push(...lines);
    // The requests of one look run in parallel, so a step can show up one look late: hold
    // lines back a moment and print them in time order.
    flush(seenAt - HOLD_BACK_MS);
    previous = { stock: last.stock, points: last.points, payment: last.payment };

    const problems = mismatches(ctx, last, expected, want);
    if (expected.change && !last.history.some((t) => t.change === expected.change)) {
      problems.push(`the order's history has no ${expected.change} yet`);
    }
    const status = last.order.status;
    const wrongEnd = status !== "PENDING" && status !== expected.status;
    if (wrongEnd || problems.length === 0) {
      flush(Number.POSITIVE_INFINITY);
      return { problems, order: last.order, last };
    }
    if (Date.now() > deadline) {
      flush(Number.POSITIVE_INFINITY);
      return {
        problems: [`not settled within ${SETTLE_TIMEOUT_MS / 1000} s`, ...problems],
        order: last.order,
        last,
      };
    }
    await sleep(POLL_MS);
  }
}

function mismatches(
  ctx: Context,
  s: Snapshot,
  expected: {
    status: OrderStatus;
    reason?: string;
    pointsEarned?: number;
    payment?: ExpectedPayment;
  },
  want: { stock: Map<string, Counts>; points: Map<string, Points> },
): string[] {
  const found: string[] = [];
  if (s.order.status !== expected.status) {
    found.push(`order is ${s.order.status}, expected ${expected.status}`);
  }
  if (expected.reason !== undefined && s.order.rejectionReason !== expected.reason) {
    found.push(`rejectionReason is ${s.order.rejectionReason}, expected ${expected.reason}`);
  }
  if (expected.pointsEarned !== undefined && s.order.pointsEarned !== expected.pointsEarned) {
    found.push(`pointsEarned is ${s.order.pointsEarned}, expected ${expected.pointsEarned}`);
  }
  const payment = expected.payment;
  if (payment && s.payment.status !== payment.status) {
    found.push(`payment is ${s.payment.status}, expected ${payment.status}`);
  }
  if (payment?.amountCents !== undefined && s.payment.amountCents !== payment.amountCents) {
    found.push(`payment amountCents is ${s.payment.amountCents}, expected ${payment.amountCents}`);
  }
  for (const [sku, c] of s.stock) {
    const w = want.stock.get(sku)!;
    if (c.available !== w.available || c.reserved !== w.reserved || c.sold !== w.sold) {
      found.push(
        `${productName(ctx, sku)}: available/reserved/sold ${c.available}/${c.reserved}/${c.sold}, expected ${w.available}/${w.reserved}/${w.sold}`,
      );
    }
  }
  for (const [id, a] of s.points) {
    const w = want.points.get(id)!;
    if (a.balance !== w.balance || a.reserved !== w.reserved) {
      found.push(
        `${id}: balance/reserved ${a.balance}/${a.reserved}, expected ${w.balance}/${w.reserved}`,
      );
    }
  }
  return found;
}
