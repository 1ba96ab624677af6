import type { LedgerIntentFact, OrderFact, PaymentFact, SystemSnapshot } from "./snapshot";

/** Records one id under one kind of violation (check.ts groups them), with a detail. */
type Add = (invariant: number, kind: string, id: string, detail?: string) => void;
/** Records one violation on its own. */
type Report = (invariant: number, message: string, ids: string[]) => void;

/** design.md's invariant of payments ("payments match orders", see Payment). */
const PAYMENTS = 7;

/** What the card pays: the total less the points redeemed (design.md "Payment"). */
export const amountOf = (o: Pick<OrderFact, "totalCents" | "pointsRedeemed">) =>
  Math.max(0, o.totalCents - o.pointsRedeemed);

/** Payment statuses an order may end in, by the order's status, once the system is quiet. */
const SETTLED: Record<string, readonly string[]> = {
  // NOT_REQUIRED only for an amount of 0 (checked apart); CAPTURED for any other.
  CONFIRMED: ["CAPTURED", "NOT_REQUIRED"],
  // Cancelled before the card answered: DECLINED (it held nothing) or VOIDED; after: REFUNDED.
  CANCELLED: ["REFUNDED", "VOIDED", "DECLINED", "NOT_REQUIRED"],
  REJECTED: ["DECLINED", "VOIDED", "NOT_REQUIRED"],
};

/** One order's intents at the processor, summed. */
function atProcessor(intents: readonly LedgerIntentFact[]) {
  let captures = 0;
  let received = 0;
  let refunds = 0;
  let refunded = 0;
  const held: LedgerIntentFact[] = [];
  for (const i of intents) {
    captures += i.captures;
    received += i.amount_received;
    refunds += i.refunds;
    refunded += i.amount_refunded;
    if (i.status === "requires_capture") held.push(i);
  }
  return { captures, received, refunds, refunded, held };
}

/**
 * Invariant 7, payments (design.md "Payment"): each order's payment row against the order,
 * and, when the ledger was read, the card processor's books against both:
 * - a CONFIRMED order with an amount is CAPTURED and captured exactly once, for exactly its
 *   amount (no second intent captured), and nothing refunded;
 * - a CANCELLED order holds nothing; if it was captured, it was refunded once, all of it;
 * - a REJECTED order was never captured and holds nothing;
 * - an amount of 0 never reached the processor; no refund without a capture; no ledger order
 *   that is not an order; ledger net (captured - refunded) == the amounts of CONFIRMED orders,
 *   nothing authorized left open; every effect (card processor call) answered.
 * Returns the figures for the report's counts.
 */
export function checkPayments(
  s: SystemSnapshot,
  add: Add,
  report: Report,
): Record<string, number | string | Record<string, number>> {
  const counts: Record<string, number | string | Record<string, number>> = {};
  const orderById = new Map(s.orders.map((o) => [o.id, o]));
  const confirmedAmount = s.orders
    .filter((o) => o.status === "CONFIRMED")
    .reduce((sum, o) => sum + amountOf(o), 0);

  if (s.payment === null) {
    counts.payments = "not checked: no PAYMENT binding";
  } else {
    checkRows(s.orders, s.payment.payments, orderById, add);
    if (s.payment.pendingEffects !== 0)
      report(
        PAYMENTS,
        `payment: ${s.payment.pendingEffects} card processor calls still without an answer (GET /admin/payment/effects)`,
        ["payment"],
      );
    const byStatus: Record<string, number> = {};
    for (const p of s.payment.payments) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
    counts.payments = s.payment.payments.length;
    counts.paymentsByStatus = byStatus;
    counts.paymentEffectsPending = s.payment.pendingEffects;
  }

  if (s.ledger === null) {
    counts.ledger = "not checked: no PSP binding (the real processor has no ledger API)";
    return counts;
  }
  checkLedger(s, orderById, add);
  const t = s.ledger.totals;
  if (t.net !== confirmedAmount)
    report(
      PAYMENTS,
      `ledger net (captured ${t.captured} - refunded ${t.refunded} = ${t.net}) != ${confirmedAmount}, the amount of the CONFIRMED orders (total less points)`,
      ["ledger"],
    );
  if (t.authorized_open !== 0)
    report(
      PAYMENTS,
      `ledger: ${t.authorized_open} cents still authorized (held) at the processor`,
      ["ledger"],
    );
  counts.ledger = {
    captured: t.captured,
    refunded: t.refunded,
    net: t.net,
    confirmedAmount,
    authorizedOpen: t.authorized_open,
    intents: t.intents,
    declines: t.declines,
    orders: s.ledger.orders.length,
  };
  return counts;
}

/** The payment service's rows against the orders. */
function checkRows(
  orders: readonly OrderFact[],
  payments: readonly PaymentFact[],
  orderById: Map<string, OrderFact>,
  add: Add,
) {
  const paymentOf = new Map(payments.map((p) => [p.orderId, p]));
  for (const o of orders) {
    if (o.status === "PENDING") continue; // Invariant 1 already says so.
    const p = paymentOf.get(o.id);
    const amount = amountOf(o);
    if (!p) {
      add(PAYMENTS, "orders the payment service has no payment for", o.id, `${o.id} (${o.status})`);
      continue;
    }
    // A tombstone (CLOSED: rejected or cancelled before payment saw OrderPlaced) pays nothing.
    const tombstone = p.requested === "CLOSED";
    if (tombstone) {
      if (o.status === "CONFIRMED")
        add(PAYMENTS, "CONFIRMED orders whose payment was closed unpaid", o.id);
    } else if (p.amountCents !== amount)
      add(
        PAYMENTS,
        "payments whose amount differs from the order's total less its points",
        o.id,
        `${o.id}: ${p.amountCents} != ${amount}`,
      );
    const allowed = SETTLED[o.status] ?? [];
    // NOT_REQUIRED exactly when there is nothing to pay (a tombstone, VOIDED, paid nothing either).
    const wrongStatus =
      !allowed.includes(p.status) ||
      (amount > 0 && p.status === "NOT_REQUIRED") ||
      (amount === 0 && !tombstone && p.status !== "NOT_REQUIRED") ||
      (o.status === "CONFIRMED" && amount > 0 && p.status !== "CAPTURED");
    if (wrongStatus)
      add(
        PAYMENTS,
        "orders whose payment status does not match their outcome",
        o.id,
        `${o.id}: ${o.status}${o.status === "CONFIRMED" ? ` (amount ${amount})` : ""}, payment ${p.status}`,
      );
  }
  for (const p of payments)
    if (!orderById.has(p.orderId) && (p.status === "AUTHORIZED" || p.status === "CAPTURED"))
      add(
        PAYMENTS,
        "payments holding or taking money for an order the order service does not know",
        p.orderId,
        `${p.orderId}: ${p.status}`,
      );
}

/** The processor's books, order by order, against the orders (and the payment rows). */
function checkLedger(s: SystemSnapshot, orderById: Map<string, OrderFact>, add: Add) {
  const ledgerOf = new Map((s.ledger?.orders ?? []).map((l) => [l.order_id, l.intents]));
  const paymentOf = new Map((s.payment?.payments ?? []).map((p) => [p.orderId, p]));

  for (const [orderId, intents] of ledgerOf) {
    for (const i of intents)
      if (i.captures === 0 && (i.refunds > 0 || i.amount_refunded > 0))
        add(
          PAYMENTS,
          "refunds without a capture",
          orderId,
          `${orderId}: ${i.id} refunded ${i.amount_refunded} (${i.refunds}x), never captured`,
        );
    if (!orderById.has(orderId))
      add(PAYMENTS, "ledger orders the order service does not know", orderId);
  }

  for (const o of s.orders) {
    const intents = ledgerOf.get(o.id) ?? [];
    const amount = amountOf(o);
    const { captures, received, refunds, refunded, held } = atProcessor(intents);
    if (amount === 0 && intents.length > 0)
      add(
        PAYMENTS,
        "orders with nothing to pay (points pay it all) that reached the processor",
        o.id,
        `${o.id}: ${intents.length} intent(s)`,
      );
    if (held.length > 0 && o.status !== "PENDING")
      add(
        PAYMENTS,
        `${o.status} orders still holding an authorization at the processor`,
        o.id,
        `${o.id}: ${held.map((i) => `${i.id} ${i.amount}`).join(", ")}`,
      );
    if (captures > 1)
      add(
        PAYMENTS,
        "orders captured more than once at the processor (double capture)",
        o.id,
        `${o.id} (${o.status}): ${captures} captures on ${intents.filter((i) => i.captures > 0).length} intent(s), ${received} received`,
      );
    const p = paymentOf.get(o.id);
    if (p?.intentId && !intents.some((i) => i.id === p.intentId))
      add(
        PAYMENTS,
        "payments whose intent the processor does not know",
        o.id,
        `${o.id}: ${p.intentId}`,
      );
    switch (o.status) {
      case "CONFIRMED":
        if (amount === 0) break;
        if (captures === 0)
          add(
            PAYMENTS,
            "CONFIRMED orders not captured at the processor",
            o.id,
            `${o.id}: ${amount}`,
          );
        else if (captures === 1 && received !== amount)
          add(
            PAYMENTS,
            "CONFIRMED orders captured for another amount than their total less points",
            o.id,
            `${o.id}: captured ${received} != ${amount}`,
          );
        if (refunds > 0 || refunded > 0)
          add(
            PAYMENTS,
            "CONFIRMED orders refunded at the processor",
            o.id,
            `${o.id}: ${refunded} refunded (${refunds}x)`,
          );
        break;
      case "CANCELLED":
        if (captures === 0) break;
        if (refunds === 0)
          add(
            PAYMENTS,
            "CANCELLED orders captured but never refunded",
            o.id,
            `${o.id}: ${received} captured`,
          );
        else if (refunds > 1)
          add(
            PAYMENTS,
            "CANCELLED orders refunded more than once",
            o.id,
            `${o.id}: ${refunds} refunds, ${refunded} refunded`,
          );
        else if (refunded !== received)
          add(
            PAYMENTS,
            "CANCELLED orders refunded another amount than was captured",
            o.id,
            `${o.id}: refunded ${refunded} != captured ${received}`,
          );
        break;
      case "REJECTED":
        if (captures > 0)
          add(
            PAYMENTS,
            "REJECTED orders captured at the processor (a capture without a CONFIRMED order)",
            o.id,
            `${o.id}: ${received} captured`,
          );
        break;
    }
  }
}
