import { catalog, pointsEarnedFor } from "@edge-saga/contracts";
import { checkPayments } from "./payments";
import { at, checkShards, groupBy, labelOf } from "./shards";
import type {
  ConsistencyReport,
  OrderFact,
  ShardRef,
  SystemSnapshot,
  ViewOrderFact,
  Violation,
} from "./snapshot";

/** Points an order earns (design.md, contracts' `pointsEarnedFor`). */
const earnedFor = (o: OrderFact) => pointsEarnedFor(o.totalCents, o.pointsRedeemed);

const lineKey = (items: OrderFact["items"]) =>
  JSON.stringify(
    [...items]
      .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
      .map((l) => [l.sku, l.quantity, l.unitPriceCents]),
  );

/** The fields on which the view's row of an order disagrees with the order service's. */
function viewDifferences(o: OrderFact, v: ViewOrderFact): string[] {
  const fields = ["customerId", "status", "totalCents", "pointsRedeemed", "pointsEarned"] as const;
  const differs: string[] = fields.filter((field) => v[field] !== o[field]);
  if (v.createdAt === null) differs.push("createdAt");
  if (lineKey(v.items) !== lineKey(o.items)) differs.push("items");
  return differs;
}

/** How many ids a violation lists at most (the count is in the message). */
const MAX_IDS = 50;

/**
 * design.md's invariants 1-6 (and 7: the read model agrees, payments match orders) over a
 * snapshot of the whole system, taken when it is quiet.
 * Pure: the same snapshot always gives the same violations. Each violation names the ids
 * involved (orders, SKUs, customers, dead-letter events) so an operator can look them up.
 */
export function checkConsistency(s: SystemSnapshot, now = new Date()): ConsistencyReport {
  const violations: Violation[] = [];
  const report = (invariant: number, message: string, ids: string[], shards?: ShardRef[]) =>
    violations.push({
      invariant,
      message,
      ids: ids.slice(0, MAX_IDS),
      ...(shards?.length ? { shards } : {}),
    });
  /** One violation per kind of problem, listing every id it hits and, sharded, the shards. */
  const grouped = new Map<
    string,
    { invariant: number; ids: string[]; details: string[]; shards: Map<string, ShardRef> }
  >();
  const add = (invariant: number, kind: string, id: string, detail?: string, where?: ShardRef) => {
    const g = grouped.get(kind) ?? {
      invariant,
      ids: [] as string[],
      details: [] as string[],
      shards: new Map<string, ShardRef>(),
    };
    g.ids.push(id);
    if (detail && g.details.length < 5) g.details.push(detail);
    if (where) g.shards.set(labelOf(where), where);
    grouped.set(kind, g);
  };

  const orderById = new Map(s.orders.map((o) => [o.id, o]));
  const reservationOf = new Map(s.reservations.map((r) => [r.orderId, r]));
  const rewardsOf = new Map(s.rewardOrders.map((r) => [r.orderId, r]));
  const byStatus: Record<string, number> = {};
  for (const o of s.orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  // A TIMED_OUT rejection is consistent like any other (its holds released); counted apart
  // because each one means a participant's answer came too late or never.
  const rejectedByReason: Record<string, number> = {};
  for (const o of s.orders)
    if (o.status === "REJECTED") {
      const reason = o.rejectionReason ?? "UNKNOWN";
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
    }

  // 1. No order stays PENDING once nothing is in flight.
  for (const o of s.orders) {
    if (o.status === "PENDING") add(1, "orders still PENDING", o.id, undefined, at("order", o));
    const lines = o.items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
    if (lines !== o.totalCents)
      add(
        1,
        "orders whose totalCents differs from their lines",
        o.id,
        `${o.id}: ${o.totalCents} != ${lines}`,
        at("order", o),
      );
  }

  // 2 + 3. Per SKU: units conserved, nothing held, sold == quantity in CONFIRMED orders, nothing negative.
  const soldByOrders = new Map<string, number>();
  for (const o of s.orders) {
    if (o.status !== "CONFIRMED") continue;
    for (const l of o.items) soldByOrders.set(l.sku, (soldByOrders.get(l.sku) ?? 0) + l.quantity);
  }
  const skus = new Set(s.products.map((p) => p.sku));
  for (const p of s.products) {
    if (p.available < 0 || p.reserved < 0 || p.sold < 0)
      add(
        3,
        "SKUs with negative stock",
        p.sku,
        `${p.sku}: ${p.available}/${p.reserved}/${p.sold}`,
        at("inventory", p),
      );
    if (p.available + p.reserved + p.sold !== p.received)
      add(
        2,
        "SKUs whose available + reserved + sold differs from the stock put",
        p.sku,
        `${p.sku}: ${p.available} + ${p.reserved} + ${p.sold} != ${p.received}`,
        at("inventory", p),
      );
    if (p.reserved !== 0)
      add(
        2,
        "SKUs with units still reserved",
        p.sku,
        `${p.sku}: reserved ${p.reserved}`,
        at("inventory", p),
      );
    const sold = soldByOrders.get(p.sku) ?? 0;
    if (p.sold !== sold)
      add(
        2,
        "SKUs whose sold differs from the quantity in CONFIRMED orders",
        p.sku,
        `${p.sku}: sold ${p.sold} != ${sold}`,
        at("inventory", p),
      );
  }
  for (const sku of soldByOrders.keys())
    if (!skus.has(sku)) add(2, "SKUs sold by CONFIRMED orders but unknown to inventory", sku);

  // 3 + 6. What inventory holds per order agrees with the order's fate, and matches its lines.
  for (const r of s.reservations) {
    const o = orderById.get(r.orderId);
    if (!o) {
      if (r.status === "RESERVED" || r.status === "SOLD")
        add(
          3,
          "reservations holding stock for an order the order service does not know",
          r.orderId,
        );
      continue;
    }
    // Spread over inventory shards: each shard's part answers for its lines (the row's status
    // is combined, and one shard's SOLD must not hide another's RELEASED).
    for (const part of r.shards ?? [r]) {
      const where = at("inventory", part);
      if (o.status === "CONFIRMED" && part.status !== "SOLD")
        add(3, "CONFIRMED orders whose stock is not sold", o.id, `${o.id}: ${part.status}`, where);
      if (
        (o.status === "REJECTED" || o.status === "CANCELLED") &&
        (part.status === "RESERVED" || part.status === "SOLD")
      )
        add(
          3,
          "orders both holding stock and rejected or cancelled",
          o.id,
          `${o.id}: ${o.status}, reservation ${part.status}`,
          where,
        );
    }
    if (r.status === "RESERVED" || r.status === "SOLD") {
      const want = o.items
        .map((l) => `${l.sku}x${l.quantity}`)
        .sort()
        .join(",");
      const got = r.lines
        .map((l) => `${l.sku}x${l.quantity}`)
        .sort()
        .join(",");
      if (want !== got)
        add(
          6,
          "reservations whose lines differ from the order's",
          o.id,
          `${o.id}: ${got} != ${want}`,
          at("inventory", r),
        );
    }
  }
  for (const o of s.orders)
    if (o.status === "CONFIRMED" && !reservationOf.has(o.id))
      add(3, "CONFIRMED orders inventory has no reservation for", o.id);

  // 4. Per customer: balance == grants + earned(confirmed) - redeemed(confirmed), nothing held.
  const earned = new Map<string, number>();
  const redeemed = new Map<string, number>();
  for (const o of s.orders) {
    if (o.status !== "CONFIRMED") continue;
    earned.set(o.customerId, (earned.get(o.customerId) ?? 0) + o.pointsEarned);
    redeemed.set(o.customerId, (redeemed.get(o.customerId) ?? 0) + o.pointsRedeemed);
  }
  const customers = new Set(s.accounts.map((a) => a.customerId));
  for (const a of s.accounts) {
    const e = earned.get(a.customerId) ?? 0;
    const r = redeemed.get(a.customerId) ?? 0;
    const expected = a.grants + e - r;
    if (a.balance !== expected)
      add(
        4,
        "customers whose balance differs from grants + earned(confirmed) - redeemed(confirmed)",
        a.customerId,
        `${a.customerId}: ${a.balance} != ${a.grants} + ${e} - ${r}`,
        at("rewards", a),
      );
    if (a.reserved !== 0)
      add(
        4,
        "customers with points still reserved",
        a.customerId,
        `${a.customerId}: reserved ${a.reserved}`,
        at("rewards", a),
      );
    if (a.ledgerTotal !== a.balance)
      add(
        4,
        "customers whose balance differs from their ledger",
        a.customerId,
        `${a.customerId}: ${a.balance} != ledger ${a.ledgerTotal}`,
        at("rewards", a),
      );
    if (a.lifetimeEarned !== e)
      add(
        4,
        "customers whose lifetimeEarned differs from pointsEarned of CONFIRMED orders",
        a.customerId,
        `${a.customerId}: ${a.lifetimeEarned} != ${e}`,
        at("rewards", a),
      );
  }
  for (const [customer, e] of earned)
    if (!customers.has(customer) && (e !== 0 || (redeemed.get(customer) ?? 0) !== 0))
      add(4, "customers with confirmed points but no rewards account", customer);

  // 4 + 6. Per order: what rewards credited and took equals what the order says, once each.
  for (const o of s.orders) {
    const rw = rewardsOf.get(o.id);
    const credited = (rw?.ledger.EARN?.points ?? 0) + (rw?.ledger.CLAWBACK?.points ?? 0);
    const taken = -((rw?.ledger.REDEEM?.points ?? 0) + (rw?.ledger.REFUND?.points ?? 0));
    const confirmed = o.status === "CONFIRMED";
    if (confirmed && o.pointsEarned !== earnedFor(o))
      add(
        4,
        "orders whose pointsEarned is not floor((totalCents - pointsRedeemed) / 100)",
        o.id,
        `${o.id}: ${o.pointsEarned} != ${earnedFor(o)}`,
      );
    const wantCredited = confirmed ? o.pointsEarned : 0;
    if (credited !== wantCredited)
      add(
        4,
        "orders whose pointsEarned differs from what rewards credited",
        o.id,
        `${o.id} (${o.status}): credited ${credited} != ${wantCredited}`,
      );
    const wantTaken = confirmed ? o.pointsRedeemed : 0;
    if (taken !== wantTaken)
      add(
        4,
        "orders whose redeemed points differ from what rewards took",
        o.id,
        `${o.id} (${o.status}): took ${taken} != ${wantTaken}`,
      );
    if (rw?.hold?.status === "HELD")
      add(
        3,
        "orders whose points are still held",
        o.id,
        `${o.id} (${o.status})`,
        at("rewards", rw),
      );
    if (rw && rw.customerId !== null && rw.customerId !== o.customerId)
      add(
        4,
        "orders rewards books on another customer",
        o.id,
        `${o.id}: ${rw.customerId} != ${o.customerId}`,
      );
  }
  for (const rw of s.rewardOrders) {
    for (const [kind, sum] of Object.entries(rw.ledger))
      if (sum.entries > 1)
        add(
          6,
          "orders with a ledger kind applied more than once",
          rw.orderId,
          `${rw.orderId}: ${sum.entries} x ${kind}`,
          at("rewards", rw),
        );
    if (!orderById.has(rw.orderId) && Object.values(rw.ledger).some((sum) => sum.points !== 0))
      add(4, "ledger entries for an order the order service does not know", rw.orderId);
  }

  // 6. Each effect once: one reservation line per SKU, one order line per SKU.
  for (const r of s.reservations) {
    const seen = new Set(r.lines.map((l) => l.sku));
    if (seen.size !== r.lines.length) add(6, "reservations with a SKU twice", r.orderId);
  }
  for (const o of s.orders) {
    const seen = new Set(o.items.map((l) => l.sku));
    if (seen.size !== o.items.length) add(6, "orders with a SKU twice", o.id);
  }

  // 7. The read model agrees with the order service on every order (once quiet, it has converged).
  const viewById = new Map(s.view.map((v) => [v.id, v]));
  for (const o of s.orders) {
    const v = viewById.get(o.id);
    const differs = v ? viewDifferences(o, v).join(", ") : "missing";
    if (differs)
      add(
        7,
        "orders whose view row differs from the order service",
        o.id,
        `${o.id}: ${differs}`,
        v && at("view", v),
      );
  }
  for (const v of s.view)
    if (!orderById.has(v.id)) add(7, "view rows of orders the order service does not have", v.id);

  // 7. Payments match orders: the payment service's rows and the card processor's ledger.
  const paymentCounts = checkPayments(s, add, report);

  // 5. Every outbox row published; every dead letter visible (and an unresolved one is a lost
  // effect). On several shards, per shard: each shard's relay publishes only its own outbox.
  const pending: Record<string, number> = {};
  const dead: Record<string, number> = {};
  for (const [service, status] of Object.entries(s.outbox)) {
    pending[service] = status.pending;
    const parts = status.shards && status.shards.length > 1 ? status.shards : null;
    if (!parts) {
      if (status.pending !== 0)
        report(5, `${service}: ${status.pending} outbox rows not published`, [service]);
      continue;
    }
    for (const part of parts)
      if (part.pending !== 0)
        report(
          5,
          `${service} shard ${part.shard}: ${part.pending} outbox rows not published`,
          [service],
          [{ service, shard: part.shard }],
        );
  }
  for (const [service, letters] of Object.entries(s.deadLetters)) {
    const open = letters.filter((l) => l.resolvedAt === null);
    dead[service] = open.length;
    // Dead letters read from several shards name theirs: one violation per shard.
    const byShard = groupBy(open, (l) => l.shard ?? null);
    for (const [shard, letters] of byShard)
      report(
        5,
        `${service}${shard === null ? "" : ` shard ${shard}`}: ${letters.length} unresolved dead letters (${letters
          .slice(0, 3)
          .map((l) => `${l.eventType ?? "?"}: ${l.reason}`)
          .join("; ")})`,
        letters.map((l) => l.eventId ?? l.id),
        shard === null ? undefined : [{ service, shard }],
      );
  }

  // 5. Every published event reached each of its subscribers: applied or dead-lettered there.
  // (Inbox rows are kept as long as outbox rows by default, so pruning cannot fake a loss.)
  const handled = new Map(
    Object.entries(s.events).map(([service, e]) => [service, new Set(e.handled)]),
  );
  // Without a PAYMENT binding the payment service's inbox was not read: not checked.
  const unread = new Set(s.payment === null ? ["payment"] : []);
  const undelivered = new Map<string, string[]>();
  let published = 0;
  for (const e of Object.values(s.events))
    for (const event of e.published) {
      published++;
      for (const subscriber of catalog.subscribersOf(event.type))
        if (!unread.has(subscriber) && !handled.get(subscriber)?.has(event.id)) {
          const ids = undelivered.get(subscriber) ?? [];
          ids.push(event.id);
          undelivered.set(subscriber, ids);
        }
    }
  for (const [subscriber, ids] of undelivered)
    report(
      5,
      `${subscriber}: ${ids.length} published events neither applied nor dead-lettered (lost or still in its queue)`,
      ids,
    );

  // Globally and per shard: every row on the shard its key routes to, each key on one shard.
  const shardCounts = checkShards(s, add);

  for (const [kind, g] of grouped) {
    const shards = [...g.shards.values()];
    const on = shards.length ? ` (on ${shards.map(labelOf).join(", ")})` : "";
    report(
      g.invariant,
      `${g.ids.length} ${kind}${on}${g.details.length ? `: ${g.details.join("; ")}` : ""}`,
      g.ids,
      shards,
    );
  }
  violations.sort((a, b) => a.invariant - b.invariant);
  return {
    ok: violations.length === 0,
    checkedAt: now.toISOString(),
    counts: {
      orders: s.orders.length,
      ordersByStatus: byStatus,
      rejectedByReason,
      products: s.products.length,
      reservations: s.reservations.length,
      accounts: s.accounts.length,
      rewardOrders: s.rewardOrders.length,
      viewOrders: s.view.length,
      outboxPending: pending,
      deadLetters: dead,
      eventsPublished: published,
      eventsUndelivered: Object.fromEntries(
        [...undelivered].map(([subscriber, ids]) => [subscriber, ids.length]),
      ),
      ...paymentCounts,
      ...shardCounts,
    },
    violations,
  };
}
