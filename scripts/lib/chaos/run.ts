import { read } from "@edge-saga/contracts/client";
import { between, seededRandom } from "@edge-saga/kit-testing/seeded-random";
import pLimit from "p-limit";
import { ApiClient, UNDER_LOAD, UnexpectedAnswer } from "../api-client";
import {
  type ConsistencyReport,
  consistencyReport,
  type OrderListsCheck,
  orderListsCheck,
  orderListsFailure,
} from "./consistency";

/** Every Worker with an inbox: the three services and the view (read model), all under faults. */
export const SERVICES = ["order", "inventory", "rewards", "payment", "view"] as const;

/** Every fault point of the fault-injection contract, with the probability a chaos run uses. */
export const FAULT_PROBABILITIES: Record<string, number> = {
  "relay.poke-lost": 0.2,
  "relay.send-throws": 0.1,
  "relay.send-hangs": 0.02,
  "relay.crash-after-send": 0.1,
  "relay.duplicate-delivery": 0.15,
  "relay.shuffle-delay": 0.15,
  "relay.alarm-fails": 0.05,
  "consumer.throw-after-commit": 0.05,
  // Per message: the send resolves, the message never arrives; only receipts bring it back.
  "broker.drop": 0.03,
};

/**
 * The card processor sandbox's faults (set through the payment service, `/admin/psp/faults`):
 * a call answered 500 before it committed, and one committed whose answer comes after the
 * payment service stopped waiting (`hangMs` > its PSP_TIMEOUT_MS, CHAOS_PSP_TIMEOUT_MS).
 */
export const PSP_FAULT_PROBABILITIES: Record<string, number> = {
  "psp.timeout-after-commit": 0.05,
  "psp.error": 0.05,
};
/** PSP_TIMEOUT_MS of the payment service in a chaos run: a lost answer costs this long. */
export const CHAOS_PSP_TIMEOUT_MS = 1_000;
const PSP_HANG_MS = 2_000;

export interface ChaosOptions {
  baseUrl: string;
  adminToken: string;
  orders: number;
  seed: number;
  customers: number;
  concurrency: number;
  /** Set a fault plan on every service (the stack must run with FAULTS_ENABLED). */
  faults: boolean;
  /**
   * At most this many orders placed and not yet decided (default 100): a shopper waits before
   * placing one more, so the faults, not a backlog the local stack cannot work off, decide how
   * sagas end. 0: orders go in as fast as the API takes them (the local stack falls minutes
   * behind and most sagas hit their deadline).
   */
  inFlight?: number;
  /** How long the drain may take before the run counts events as lost. */
  drainTimeoutMs?: number;
  /**
   * The order service's WRITE_PATH on the stack under test. On self-read an order exists only
   * once the service consumed its own OrderPlaced: a cancel before that answers 404.
   */
  writePath?: string;
  /**
   * D1 databases per stateful service on the stack under test (`--shards`; default 1): the
   * workload is the same, its orders' SKUs then span several inventory shards.
   */
  shards?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  seed: number;
  ordersPlaced: number;
  ordersByStatus: Record<string, number>;
  cancelsAccepted: number;
  /**
   * Cancels of orders whose saga had run (asked once the workload's sagas were decided, faults
   * still on): a CONFIRMED one is refunded, so refunds run under the card processor's faults.
   */
  lateCancels: { asked: number; accepted: number };
  /** Self-read: cancels that came before the order existed (404). */
  cancelsTooEarly: number;
  grants: number;
  faultsInjected: Record<string, Record<string, number>>;
  /** Per service: events published (outbox rows) and events applied (inbox rows). */
  deliveries: Record<string, { outboxRows: number; inboxRows: number }>;
  /** Open dead letters per service (each one needs an operator). */
  deadLetters: Record<string, number>;
  /**
   * Messages the platform dead-lettered that resolved themselves on arrival (see
   * dead-letters.ts): copies of events already applied, and events their last try applied.
   */
  deadLettersResolvedOnArrival: Record<
    string,
    { alreadyApplied: number; appliedOnArrival: number }
  >;
  /** Per service: deliveries the inbox dropped as already applied, and retries (kit `/admin/stats`). */
  consumer: Record<string, { duplicatesAbsorbed: number; retries: number }>;
  /**
   * Per producing service: events re-sent for want of a delivery receipt, and events still
   * awaiting a receipt when the run ended (kit `/admin/stats`).
   */
  receipts: Record<string, { resent: number; unacknowledged: number }>;
  workloadMs: number;
  drainMs: number;
  drained: boolean;
  report: ConsistencyReport;
  /** The view's order lists in KV compared with its D1 rows after the drain. */
  orderLists: OrderListsCheck;
  /** Violations plus lost events (drain never finished): empty when the run passed. */
  failures: string[];
}

/** One step of the workload, all decided up front from the seed. */
type Op =
  | {
      kind: "order";
      customer: string;
      items: { sku: string; quantity: number }[];
      points: number;
      /** A sandbox card token; none: the saved card. */
      paymentMethod?: string;
    }
  /** Cancel the order placed by op `target` (an earlier op). */
  | { kind: "cancel"; target: number }
  | { kind: "grant"; customer: string; points: number };

interface Workload {
  products: { sku: string; priceCents: number; stock: number }[];
  grants: { customer: string; points: number }[];
  ops: Op[];
}

/** The workload of a seed: same seed, same products, grants and operations. */
export function workload(seed: number, orders: number, customers: number): Workload {
  const random = seededRandom(seed);
  const skuCount = 8;
  // Limited stock: roughly 60% of what the orders ask for, so some are rejected OUT_OF_STOCK.
  const products = Array.from({ length: skuCount }, (_, i) => ({
    sku: `chaos-${i}`,
    priceCents: between(random, 1, 50) * 100 + between(random, 0, 99),
    stock: Math.max(5, Math.round((orders * 3 * 0.6) / skuCount)),
  }));
  const ids = Array.from({ length: customers }, (_, i) => `chaos-customer-${i}`);
  const grants = ids.map((customer) => ({ customer, points: between(random, 100, 2000) }));
  const ops: Op[] = [];
  const orderOps: number[] = [];
  let placed = 0;
  while (placed < orders) {
    const roll = random();
    if (roll < 0.1 && orderOps.length > 0) {
      ops.push({ kind: "cancel", target: orderOps[between(random, 0, orderOps.length - 1)] ?? 0 });
    } else if (roll < 0.15) {
      ops.push({
        kind: "grant",
        customer: ids[between(random, 0, ids.length - 1)] ?? "c",
        points: between(random, 10, 500),
      });
    } else {
      const lines = between(random, 1, 3);
      const skus = new Set<string>();
      while (skus.size < lines) skus.add(`chaos-${between(random, 0, skuCount - 1)}`);
      orderOps.push(ops.length);
      const items = [...skus].map((sku) => ({ sku, quantity: between(random, 1, 2) }));
      // The API refuses to redeem more points than the order costs (422): stay within the total.
      const total = items.reduce(
        (sum, item) =>
          sum + item.quantity * (products.find((p) => p.sku === item.sku)?.priceCents ?? 0),
        0,
      );
      // Some pay it all with points (the processor is never called), some cards are declined.
      const points =
        random() < 0.3 ? (random() < 0.15 ? total : Math.min(total, between(random, 1, 800))) : 0;
      const card = random();
      ops.push({
        kind: "order",
        customer: ids[between(random, 0, ids.length - 1)] ?? "c",
        items,
        points,
        ...(card < 0.04
          ? { paymentMethod: "tok_declined" }
          : card < 0.07
            ? { paymentMethod: "tok_insufficient_funds" }
            : card < 0.4
              ? { paymentMethod: "tok_visa" }
              : {}),
      });
      placed++;
    }
  }
  return { products, grants, ops };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DEFAULT_IN_FLIGHT = 100;
/** The saga deadline (60 s) decides every order; past this the run stops waiting for one. */
const DECISION_WAIT_MS = 90_000;

/** Promises under way, at most `limit` (0: no limit). */
class Window {
  private readonly open = new Set<Promise<void>>();
  constructor(private readonly limit: number) {}
  async admit(): Promise<void> {
    while (this.limit > 0 && this.open.size >= this.limit) await Promise.race(this.open);
  }
  track(work: Promise<void>): void {
    if (this.limit === 0) return;
    const tracked = work.finally(() => this.open.delete(tracked));
    this.open.add(tracked);
  }
}

/**
 * Waits until the order is no longer PENDING: the order service holds each look until the order
 * changes (`Prefer: wait`, api-client `waitForOutcome`), so a decision costs one or two reads,
 * however long a lost message or a relay backing off delays it. A 404 (self-read: not created
 * yet) or a busy answer counts as pending; past DECISION_WAIT_MS the run stops waiting for it.
 */
async function decided(gateway: ApiClient, id: string): Promise<void> {
  const giveUpAt = Date.now() + DECISION_WAIT_MS;
  while (Date.now() < giveUpAt) {
    try {
      await gateway.waitForOutcome(id, giveUpAt - Date.now());
      return;
    } catch (error) {
      // A server error (a Worker restarted mid-request) is a look that saw nothing: look again.
      if (!(error instanceof UnexpectedAnswer) || error.answer.status < 500) throw error;
      await sleep(1_000);
    }
  }
}

/**
 * Runs a seeded chaos workload against a running stack: seeds products and customers, sets the
 * fault plan on every service, places/cancels orders and grants points concurrently, clears the
 * faults, drives maintenance until every outbox is empty and every order final, then checks the
 * invariants through `GET /admin/consistency`.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const gateway = new ApiClient(options.baseUrl, options.adminToken, UNDER_LOAD);
  const plan = workload(options.seed, options.orders, options.customers);
  if ((options.shards ?? 1) > 1) log(`stack under test: ${options.shards} shards per service`);

  for (const p of plan.products) {
    await gateway.putProduct(p.sku, {
      name: `Chaos ${p.sku}`,
      priceCents: p.priceCents,
      stock: p.stock,
    });
  }
  for (const g of plan.grants) {
    await gateway.grantPoints(g.customer, g.points, "chaos seed");
  }
  // The order service prices from its replica: wait until every product has reached it.
  await drain(gateway, 60_000);

  if (options.faults) {
    for (const service of SERVICES) {
      await gateway.expect([200, 201, 204], "PUT", `/admin/${service}/faults`, {
        admin: true,
        body: { seed: options.seed, probabilities: FAULT_PROBABILITIES },
      });
    }
    await gateway.expect(200, "PUT", "/admin/payment/psp/faults", {
      admin: true,
      body: { seed: options.seed, probabilities: PSP_FAULT_PROBABILITIES, hangMs: PSP_HANG_MS },
    });
  }
  log(
    `workload: ${plan.ops.length} operations, concurrency ${options.concurrency}, at most ${(options.inFlight ?? DEFAULT_IN_FLIGHT) || "any number of"} orders undecided`,
  );

  const started = Date.now();
  const placed: Promise<string | null>[] = new Array(plan.ops.length);
  let cancelsAccepted = 0;
  let cancelsTooEarly = 0;
  let grants = 0;
  let done = 0;
  const undecided = new Window(options.inFlight ?? DEFAULT_IN_FLIGHT);
  const runOp = async (index: number): Promise<string | null> => {
    const op = plan.ops[index] as Op;
    if (op.kind === "order") {
      await undecided.admit();
      const order = await gateway.placeOrder(
        {
          customerId: op.customer,
          items: op.items,
          pointsToRedeem: op.points,
          ...(op.paymentMethod ? { paymentMethod: op.paymentMethod } : {}),
        },
        {
          idempotencyKey: `chaos-${options.seed}-${index}`,
          headers: { "cf-connecting-ip": `10.0.${index % 250}.1` },
          retryBusy: true,
        },
      );
      if (order.status !== 202)
        throw new Error(`POST /orders: ${order.status} ${JSON.stringify(order.body)}`);
      const { id } = order.body;
      undecided.track(decided(gateway, id));
      return id;
    }
    if (op.kind === "cancel") {
      const id = await placed[op.target];
      if (!id) return null;
      const answer = await gateway.cancelOrder(id, { retryBusy: true });
      if (answer.status === 202) cancelsAccepted++;
      else if (answer.status === 404 && options.writePath === "self-read") cancelsTooEarly++;
      else if (answer.status !== 409)
        throw new Error(`cancel ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return null;
    }
    await gateway.grantPoints(op.customer, op.points, "chaos top-up");
    grants++;
    return null;
  };
  // Ops start in plan order, `concurrency` at a time: a cancel awaits the placement of an earlier
  // op, which has started by then, so no slot waits on a queued op.
  const limit = pLimit(options.concurrency);
  for (let index = 0; index < plan.ops.length; index++) {
    placed[index] = limit(async () => {
      const id = await runOp(index);
      if (++done % 500 === 0) log(`  ${done}/${plan.ops.length} operations`);
      return id;
    });
  }
  await Promise.all(placed);
  const workloadMs = Date.now() - started;
  // The sagas lag the workload: keep the faults on until they ran (every order created and
  // decided, nothing left to publish), or they would mostly run after the faults were cleared.
  if (options.faults) await drain(gateway, SETTLE_UNDER_FAULTS_MS, "decided");
  const lateCancels = await cancelLate(gateway, plan, placed, options.seed);
  if (options.faults) await drain(gateway, SETTLE_UNDER_FAULTS_MS, "decided");

  const faultsInjected: Record<string, Record<string, number>> = {};
  if (options.faults) {
    for (const service of SERVICES) {
      const answer = await gateway.expect<{ injected?: Record<string, number> }>(
        200,
        "GET",
        `/admin/${service}/faults`,
        { admin: true },
      );
      faultsInjected[service] = answer.body.injected ?? {};
      await gateway.expect([200, 204], "DELETE", `/admin/${service}/faults`, { admin: true });
    }
    const psp = await gateway.expect<{ injected?: Record<string, number> }>(
      200,
      "GET",
      "/admin/payment/psp/faults",
      { admin: true },
    );
    faultsInjected.psp = psp.body.injected ?? {};
    await gateway.expect(200, "DELETE", "/admin/payment/psp/faults", { admin: true });
  }

  const drainStarted = Date.now();
  // The local consumers apply a few hundred events/s: allow for the whole workload's backlog.
  const drained = await drain(gateway, options.drainTimeoutMs ?? 180_000 + options.orders * 60);
  const drainMs = Date.now() - drainStarted;

  const report = await consistencyReport(gateway);
  const orderLists = await orderListsCheck(gateway);
  const outbox = await gateway.outbox();
  const deliveries = Object.fromEntries(
    Object.entries(outbox).map(([s, o]) => [
      s,
      { outboxRows: o.outboxRows, inboxRows: o.inboxRows },
    ]),
  );
  // Per service, from its kit admin routes: consumer counters and dead letters resolved on arrival.
  const consumer: ChaosResult["consumer"] = {};
  const receipts: ChaosResult["receipts"] = {};
  const deadLettersResolvedOnArrival: ChaosResult["deadLettersResolvedOnArrival"] = {};
  for (const service of SERVICES) {
    const { body: stats } = await gateway.expect<{
      outbox: { resent: number; unacknowledged: number };
      totals: { duplicatesAbsorbed: number; retries: number };
    }>(200, "GET", `/admin/${service}/stats`, { admin: true });
    consumer[service] = {
      duplicatesAbsorbed: stats.totals.duplicatesAbsorbed,
      retries: stats.totals.retries,
    };
    receipts[service] = {
      resent: stats.outbox.resent,
      unacknowledged: stats.outbox.unacknowledged,
    };
    const { body: resolved } = await gateway.expect<{
      deadLetters: { resolution: string | null }[];
    }>(200, "GET", `/admin/${service}/dead-letters?status=resolved`, { admin: true });
    const resolvedAs = (resolution: string) =>
      resolved.deadLetters.filter((d) => d.resolution === resolution).length;
    deadLettersResolvedOnArrival[service] = {
      alreadyApplied: resolvedAs("already-applied"),
      appliedOnArrival: resolvedAs("applied-on-arrival"),
    };
  }
  const failures = report.violations.map((v) => `invariant ${v.invariant}: ${v.message}`);
  const kvFailure = orderListsFailure(orderLists);
  if (kvFailure) failures.push(kvFailure);
  if (!drained)
    failures.push(
      "lost events: the system did not drain (outbox rows unpublished, orders not final or events not applied)",
    );
  return {
    seed: options.seed,
    ordersPlaced: options.orders,
    ordersByStatus: (report.counts.ordersByStatus as Record<string, number>) ?? {},
    cancelsAccepted,
    lateCancels,
    cancelsTooEarly,
    grants,
    faultsInjected,
    deliveries,
    deadLetters: (report.counts.deadLetters as Record<string, number>) ?? {},
    deadLettersResolvedOnArrival,
    consumer,
    receipts,
    workloadMs,
    drainMs,
    drained,
    report,
    orderLists,
    failures,
  };
}

/** How long a chaos run keeps its faults on after the workload, at most. */
const SETTLE_UNDER_FAULTS_MS = 30_000;

/**
 * Pokes every relay (maintenance) until no outbox row is pending, no order is PENDING and
 * every published event was applied or dead-lettered by each of its subscribers (the
 * checker's event accounting); with `until: "decided"`, only until no outbox row is pending
 * and no order is PENDING (the sagas ran; events the broker lost are left to the re-sends).
 * The view counts every accepted order, also one the order service has not created yet
 * (self-read): the sagas ran once the order service has as many. False on timeout.
 */
/** One order in 25, picked by the seed, cancelled once its saga ran (409 when it was not to be). */
async function cancelLate(
  gateway: ApiClient,
  plan: Workload,
  placed: Promise<string | null>[],
  seed: number,
): Promise<{ asked: number; accepted: number }> {
  const picked = plan.ops.flatMap((op, index) =>
    op.kind === "order" && (index * 7 + seed) % 25 === 0 ? [index] : [],
  );
  let accepted = 0;
  await Promise.all(
    picked.map(async (index) => {
      const id = await placed[index];
      if (!id) return;
      const answer = await gateway.cancelOrder(id, { retryBusy: true });
      if (answer.status === 202) accepted++;
      else if (answer.status !== 409)
        throw new Error(`late cancel ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }),
  );
  return { asked: picked.length, accepted };
}

async function drain(
  gateway: ApiClient,
  timeoutMs: number,
  until: "decided" | "delivered" = "delivered",
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await Promise.all(
      SERVICES.map((s) => gateway.request("POST", `/admin/${s}/maintenance`, { admin: true })),
    );
    const report = await read(gateway.typed.admin.consistency.$get());
    if (report.status === 200) {
      const counts = report.body.counts;
      const pending = Object.values(counts.outboxPending as Record<string, number>).reduce(
        (sum, n) => sum + n,
        0,
      );
      const pendingOrders = (counts.ordersByStatus as Record<string, number>)?.PENDING ?? 0;
      const undelivered = Object.keys((counts.eventsUndelivered as object | undefined) ?? {});
      // Calls to the card processor still to be made: their answers' events are still to come.
      const effectsPending = (counts.paymentEffectsPending as number | undefined) ?? 0;
      const allCreated = (counts.orders as number) >= (counts.viewOrders as number);
      const quiet = pending === 0 && pendingOrders === 0 && effectsPending === 0;
      if (quiet && allCreated && until === "decided") return true;
      if (quiet && undelivered.length === 0) return true;
    }
    await sleep(1000);
  }
  return false;
}
