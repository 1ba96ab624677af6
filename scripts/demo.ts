/**
 * `npm run demo`: a narrated walk through the order saga, against a running `npm run dev`
 * (or a temporary stack of its own when nothing answers). Every run uses fresh customers and
 * products, so it can run again and again. Exits non-zero when a scenario does not end as it
 * should: it doubles as a smoke test of the whole system.
 *
 *   npm run demo                               against http://localhost:8787
 *   npm run demo -- --url http://127.0.0.1:9000 [--token <admin token>]
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type ErrorBody,
  type Order,
  type OrderStatus,
  type OrderTransition,
  type Product,
  pointsEarnedFor,
  type RewardsAccount,
} from "@edge-saga/contracts";
import { ApiClient, type PlaceOrder, SCRIPT_TIMEOUTS } from "./lib/api-client";
import { type LocalStack, startLocalStack } from "./lib/local-stack";

const DEFAULT_URL = "http://localhost:8787";
/** How long one step of the saga may take before the demo calls it a failure. */
const SETTLE_TIMEOUT_MS = 20_000;
const POLL_MS = 15;
/** Journey lines wait this long before printing, so that they come out in time order. */
const HOLD_BACK_MS = 150;

// ---------------------------------------------------------------------------------------------
// Output

type Service = "you" | "order" | "inventory" | "rewards";

class Out {
  constructor(
    private readonly write: (text: string) => void,
    readonly color: boolean,
  ) {}

  private paint = (code: string) => (text: string) =>
    this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  bold = this.paint("1");
  dim = this.paint("2");
  red = this.paint("31");
  green = this.paint("32");
  yellow = this.paint("33");
  blue = this.paint("34");
  magenta = this.paint("35");
  cyan = this.paint("36");

  line(text = "") {
    this.write(`${text}\n`);
  }

  tag(service: Service): string {
    const text = `[${service}]`.padEnd(11);
    switch (service) {
      case "order":
        return this.cyan(text);
      case "inventory":
        return this.yellow(text);
      case "rewards":
        return this.magenta(text);
      default:
        return this.blue(text);
    }
  }

  status(status: string): string {
    if (status === "CONFIRMED") return this.green(status);
    if (status === "REJECTED") return this.red(status);
    if (status === "CANCELLED") return this.yellow(status);
    return status;
  }

  /** One step of a journey: when (ms since the order was placed), who, what. */
  step(ms: number, service: Service, text: string, observed = false) {
    const when = `${observed ? "~" : "+"}${String(Math.max(0, Math.round(ms))).padStart(5)} ms`;
    this.line(`    ${this.dim(when)}  ${this.tag(service)} ${text}`);
  }
}

/** Indent of a step's second line: under the status column (4 + 9 + 2 + 11 + 1 columns). */
const CONTINUATION = `${" ".repeat(27)}↳ `;

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

// ---------------------------------------------------------------------------------------------
// The demo's own world: products, customers, and what their numbers must be

type ProductKey = "lamp" | "bulb" | "kettle";
type CustomerKey = "alice" | "bob" | "carol";

interface DemoProduct {
  key: ProductKey;
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

interface Counts {
  available: number;
  reserved: number;
  sold: number;
}

interface Points {
  balance: number;
  reserved: number;
}

/** What the demo expects the system to hold: updated after each scenario that passed. */
class Model {
  readonly stock = new Map<string, Counts>();
  readonly points = new Map<string, Points>();

  /** The expected end state after `deltas`, without changing the model. */
  after(deltas: Deltas): { stock: Map<string, Counts>; points: Map<string, Points> } {
    const stock = new Map([...this.stock].map(([sku, c]) => [sku, { ...c }]));
    const points = new Map([...this.points].map(([id, p]) => [id, { ...p }]));
    for (const [sku, d] of Object.entries(deltas.stock ?? {})) {
      const c = stock.get(sku)!;
      c.available += d.available ?? 0;
      c.sold += d.sold ?? 0;
    }
    for (const [id, change] of Object.entries(deltas.points ?? {})) {
      points.get(id)!.balance += change;
    }
    return { stock, points };
  }

  accept(deltas: Deltas) {
    const next = this.after(deltas);
    for (const [sku, c] of next.stock) this.stock.set(sku, c);
    for (const [id, p] of next.points) this.points.set(id, p);
  }
}

interface Deltas {
  stock?: Record<string, { available?: number; sold?: number }>;
  points?: Record<string, number>;
}

interface Context {
  client: ApiClient;
  out: Out;
  run: string;
  products: Record<ProductKey, DemoProduct>;
  customers: Record<CustomerKey, string>;
  model: Model;
}

export interface ScenarioResult {
  title: string;
  ok: boolean;
  problems: string[];
  orderId?: string;
}

// ---------------------------------------------------------------------------------------------
// Following one order through the saga

interface Snapshot {
  order: Order;
  history: OrderTransition[];
  stock: Map<string, Product>;
  points: Map<string, RewardsAccount>;
}

async function snapshot(
  ctx: Context,
  orderId: string,
  skus: string[],
  customers: string[],
): Promise<Snapshot> {
  const [order, history, products, accounts] = await Promise.all([
    ctx.client.getOrder(orderId),
    ctx.client.getHistory(orderId),
    Promise.all(skus.map((sku) => ctx.client.getProduct(sku))),
    Promise.all(customers.map((id) => ctx.client.getRewards(id))),
  ]);
  return {
    order,
    history,
    stock: new Map(products.map((p) => [p.sku, p])),
    points: new Map(accounts.map((a) => [a.customerId, a])),
  };
}

function productName(ctx: Context, sku: string): string {
  return Object.values(ctx.products).find((p) => p.sku === sku)?.name ?? sku;
}

/** What the order service wrote for one transition, in words. */
function describeTransition(out: Out, t: OrderTransition, order: Order): string {
  const moved = t.fromStatus !== null && t.fromStatus !== t.toStatus;
  const status = moved ? `${t.fromStatus} → ${out.status(t.toStatus)}` : out.status(t.toStatus);
  const width = (moved ? `${t.fromStatus} → ${t.toStatus}` : t.toStatus).length;
  const pad = " ".repeat(Math.max(1, 22 - width));
  let what: string;
  switch (t.change) {
    case "PlaceOrder":
      what =
        "order saved; OrderPlaced is in its outbox (same D1 batch), on its way to inventory and rewards";
      break;
    case "StockReserved":
      what = "got StockReserved: inventory holds every line";
      break;
    case "StockReservationFailed":
      what = `got StockReservationFailed (${order.rejectionReason ?? "OUT_OF_STOCK"}): inventory reserved none of the lines (all or nothing)`;
      break;
    case "PointsReserved":
      what =
        order.pointsRedeemed > 0
          ? `got PointsReserved: rewards holds ${order.pointsRedeemed} points`
          : "got PointsReserved: nothing to redeem";
      break;
    case "PointsReservationFailed":
      what = "got PointsReservationFailed (INSUFFICIENT_POINTS): the customer has too few points";
      break;
    case "PointsAwarded":
      what = `got PointsAwarded: rewards credited ${order.pointsEarned} earned points`;
      break;
    case "CancelOrder":
      what = "cancelled on request; OrderCancelled is in its outbox";
      break;
    default:
      what = `got ${t.change}`;
  }
  let outcome = "";
  if (moved && t.toStatus === "CONFIRMED") {
    outcome = `\n${CONTINUATION}${out.green("every participant said yes → OrderConfirmed (inventory: reserved → sold; rewards: capture + award)")}`;
  } else if (moved && t.toStatus === "REJECTED") {
    outcome = `\n${CONTINUATION}${out.red(`a participant said no (${order.rejectionReason}) → OrderRejected: the others release what they hold (compensation)`)}`;
  }
  return `${status}${pad}${what}${outcome}`;
}

function describeStock(
  out: Out,
  name: string,
  before: Product,
  now: Product,
  compensating: boolean,
): string | undefined {
  const da = now.available - before.available;
  const dr = now.reserved - before.reserved;
  const ds = now.sold - before.sold;
  if (da === 0 && dr === 0 && ds === 0) return undefined;
  const numbers = [
    da !== 0 ? `available ${before.available} → ${now.available}` : "",
    dr !== 0 ? `reserved ${before.reserved} → ${now.reserved}` : "",
    ds !== 0 ? `sold ${before.sold} → ${now.sold}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const hints: string[] = [];
  if (ds > 0) {
    hints.push(
      dr < 0 ? "reservation turned into a sale" : "reserved and sold (both between two looks)",
    );
  } else if (dr > 0) {
    hints.push(`reserved ${dr} for the order`);
  }
  if (dr < 0 && ds <= 0) hints.push("reservation released");
  if (ds < 0) hints.push("sold units back on the shelf");
  const undo = compensating && (dr < 0 || ds < 0) && ds <= 0;
  const hint = hints.join("; ") + (undo ? out.yellow(" (compensation)") : "");
  return `${name}: ${numbers}  ${out.dim("←")} ${hint}`;
}

function describePoints(
  out: Out,
  customer: string,
  before: RewardsAccount,
  now: RewardsAccount,
  compensating: boolean,
): string | undefined {
  const db = now.balance - before.balance;
  const dr = now.reserved - before.reserved;
  const dl = now.lifetimeEarned - before.lifetimeEarned;
  if (db === 0 && dr === 0 && dl === 0) return undefined;
  const spent = db - dl; // balance moved by redeeming or refunding, earned points aside
  const numbers = [
    db !== 0 ? `balance ${before.balance} → ${now.balance}` : `balance ${now.balance}`,
    dr !== 0 ? `reserved ${before.reserved} → ${now.reserved}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const hints: string[] = [];
  let undo = false;
  if (dr > 0) hints.push(`held ${dr} points for the order`);
  if (spent < 0) {
    hints.push(dr < 0 ? `captured ${-spent} held points` : `redeemed ${-spent} points`);
  }
  if (dr < 0 && spent >= 0) {
    hints.push(`released the hold on ${-dr} points`);
    undo = true;
  }
  if (dr === 0 && spent > 0) {
    hints.push(`gave back ${spent} redeemed points`);
    undo = true;
  }
  if (dl > 0) hints.push(`credited ${dl} earned points`);
  if (dl < 0) {
    hints.push(`took back ${-dl} earned points`);
    undo = true;
  }
  const hint = hints.join("; ") + (compensating && undo ? out.yellow(" (compensation)") : "");
  return `${customer}: ${numbers}  ${out.dim("←")} ${hint}`;
}

/**
 * Polls the order, its history, and the stock and points it touches, printing every new
 * transition (at the time the order service recorded it) and every change of stock or points
 * (at the time it was seen, marked `~`), until the order has `expected.status` and the stock
 * and points have their expected values — or the time is up.
 */
async function follow(
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
  },
  start: { seen: Set<number>; stock: Map<string, Product>; points: Map<string, RewardsAccount> },
): Promise<{ problems: string[]; order?: Order; last: Snapshot | undefined }> {
  const { out } = ctx;
  const skus = [...start.stock.keys()];
  const customers = [...start.points.keys()];
  const want = ctx.model.after(expected.deltas);
  let previous = { stock: start.stock, points: start.points };
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
    pending.push(...lines);
    // The requests of one look run in parallel, so a step can show up one look late: hold
    // lines back a moment and print them in time order.
    flush(seenAt - HOLD_BACK_MS);
    previous = { stock: last.stock, points: last.points };

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
  expected: { status: OrderStatus; reason?: string; pointsEarned?: number },
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

// ---------------------------------------------------------------------------------------------
// Scenarios

interface OrderSpec {
  title: string;
  story: string;
  customer: string;
  items: { product: ProductKey; quantity: number }[];
  pointsToRedeem: number;
  expect: { status: OrderStatus; reason?: string };
  /** Stock and points changes once the saga settled. */
  deltas: Deltas;
}

/** POST /orders; a 422 UNKNOWN_PRODUCT right after the products were put is the order service's catalog copy still catching up (ProductUpserted in flight): try again. */
async function place(ctx: Context, body: PlaceOrder) {
  const deadline = Date.now() + 15_000;
  let retried = false;
  for (;;) {
    const t0 = Date.now();
    const answer = await ctx.client.placeOrder(body);
    if (answer.status === 202) return { order: answer.body as Order, t0, retried };
    const code = (answer.body as ErrorBody)?.error?.code;
    if (answer.status === 422 && code === "UNKNOWN_PRODUCT" && Date.now() < deadline) {
      retried = true;
      await sleep(50);
      continue;
    }
    throw new Error(`POST /orders answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

async function runOrderScenario(
  ctx: Context,
  number: number,
  spec: OrderSpec,
): Promise<ScenarioResult & { order?: Order }> {
  const { out, client } = ctx;
  out.line();
  out.line(out.bold(`${number}. ${spec.title}`));
  out.line(`   ${spec.story}`);
  const lines = spec.items.map(({ product, quantity }) => ({
    product: ctx.products[product],
    quantity,
  }));
  const total = lines.reduce((sum, l) => sum + l.product.priceCents * l.quantity, 0);
  const what = lines.map((l) => `${l.quantity}× ${l.product.name}`).join(" + ");
  out.line(
    `   ${spec.customer} orders ${what} = ${dollars(total)}` +
      (spec.pointsToRedeem > 0 ? `, redeeming ${spec.pointsToRedeem} points` : ""),
  );
  const skus = lines.map((l) => l.product.sku);
  const customers = [spec.customer];
  const [stockBefore, pointsBefore] = await Promise.all([
    Promise.all(skus.map((sku) => client.getProduct(sku))),
    Promise.all(customers.map((id) => client.getRewards(id))),
  ]);

  const {
    order: placed,
    t0,
    retried,
  } = await place(ctx, {
    customerId: spec.customer,
    items: lines.map((l) => ({ sku: l.product.sku, quantity: l.quantity })),
    pointsToRedeem: spec.pointsToRedeem,
  });
  out.step(
    Date.now() - t0,
    "you",
    `POST /orders → 202 ${out.status(placed.status)}  order ${placed.id}` +
      (retried ? out.dim(" (retried: the order service was still learning the new products)") : ""),
    true,
  );
  const earned = pointsEarnedFor(total, spec.pointsToRedeem);
  const result = await follow(
    ctx,
    placed.id,
    t0,
    {
      ...spec.expect,
      deltas: spec.deltas,
      pointsEarned: spec.expect.status === "CONFIRMED" ? earned : undefined,
      // Rewards reports the credit back; the order records it (status unchanged).
      change: spec.expect.status === "CONFIRMED" && earned > 0 ? "PointsAwarded" : undefined,
    },
    {
      seen: new Set(),
      stock: new Map(stockBefore.map((p) => [p.sku, p])),
      points: new Map(pointsBefore.map((a) => [a.customerId, a])),
    },
  );
  return finish(ctx, spec.title, spec.expect, spec.deltas, result, placed.id, t0);
}

function finish(
  ctx: Context,
  title: string,
  expect: { status: OrderStatus; reason?: string },
  deltas: Deltas,
  result: { problems: string[]; order?: Order; last: Snapshot | undefined },
  orderId: string,
  t0: number,
): ScenarioResult & { order?: Order } {
  const { out } = ctx;
  const ms = Date.now() - t0;
  const expected = expect.reason ? `${expect.status} (${expect.reason})` : expect.status;
  if (result.problems.length === 0) {
    ctx.model.accept(deltas);
    const held = result.last
      ? [
          ...[...result.last.stock.values()].map(
            (p) =>
              `${productName(ctx, p.sku)} ${p.available} available/${p.reserved} reserved/${p.sold} sold`,
          ),
          ...[...result.last.points.values()].map(
            (a) => `${a.customerId} ${a.balance} points/${a.reserved} held`,
          ),
        ].join(", ")
      : "";
    out.line(
      `   ${out.green("✔")} ${out.status(expect.status)} as expected${expect.reason ? ` (${expect.reason})` : ""}, settled in ~${ms} ms`,
    );
    out.line(out.dim(`     now: ${held}`));
    return { title, ok: true, problems: [], orderId, order: result.order };
  }
  out.line(`   ${out.red("✘")} expected ${expected}, but:`);
  for (const p of result.problems) out.line(`     ${out.red("-")} ${p}`);
  return { title, ok: false, problems: result.problems, orderId, order: result.order };
}

async function cancelScenario(ctx: Context, number: number): Promise<ScenarioResult> {
  const { out, client, products, customers } = ctx;
  const { kettle, bulb } = products;
  const alice = customers.alice;
  const confirmed = await runOrderScenario(ctx, number, {
    title: "Cancel a confirmed order: everything goes back",
    story:
      "First an order that goes through, then the customer changes their mind. Cancelling is allowed while PENDING or CONFIRMED.",
    customer: alice,
    items: [
      { product: "kettle", quantity: 1 },
      { product: "bulb", quantity: 2 },
    ],
    pointsToRedeem: 400,
    expect: { status: "CONFIRMED" },
    deltas: {
      stock: { [kettle.sku]: { available: -1, sold: 1 }, [bulb.sku]: { available: -2, sold: 2 } },
      points: { [alice]: -400 + pointsEarnedFor(kettle.priceCents + 2 * bulb.priceCents, 400) },
    },
  });
  const title = "Cancel a confirmed order";
  if (!confirmed.ok || !confirmed.orderId) {
    return {
      title,
      ok: false,
      problems: ["the order to cancel did not confirm", ...confirmed.problems],
    };
  }
  const orderId = confirmed.orderId;
  const earned = confirmed.order?.pointsEarned ?? 0;
  out.line(
    `   Now the cancel: inventory must put the sold units back, rewards must return the ${400} redeemed points and take back the ${earned} it awarded.`,
  );
  const [stockBefore, pointsBefore, history] = await Promise.all([
    Promise.all([kettle.sku, bulb.sku].map((sku) => client.getProduct(sku))),
    client.getRewards(alice),
    client.getHistory(orderId),
  ]);
  const t0 = Date.now();
  const answer = await client.cancelOrder(orderId);
  if (answer.status !== 202) {
    const problem = `POST /orders/${orderId}/cancel answered ${answer.status}: ${JSON.stringify(answer.body)}`;
    out.line(`   ${out.red("✘")} ${problem}`);
    return { title, ok: false, problems: [problem], orderId };
  }
  out.step(
    Date.now() - t0,
    "you",
    `POST /orders/${orderId}/cancel → 202 ${out.status((answer.body as Order).status)}`,
    true,
  );
  const deltas: Deltas = {
    stock: { [kettle.sku]: { available: 1, sold: -1 }, [bulb.sku]: { available: 2, sold: -2 } },
    points: { [alice]: 400 - earned },
  };
  const result = await follow(
    ctx,
    orderId,
    t0,
    { status: "CANCELLED", deltas },
    {
      seen: new Set(history.map((t) => t.version)),
      stock: new Map(stockBefore.map((p) => [p.sku, p])),
      points: new Map([[alice, pointsBefore]]),
    },
  );
  return finish(ctx, title, { status: "CANCELLED" }, deltas, result, orderId, t0);
}

// ---------------------------------------------------------------------------------------------
// The whole demo

export interface DemoOptions {
  baseUrl: string;
  adminToken: string;
  /** Where the narration goes. Default: stdout. */
  write?: (text: string) => void;
  /** ANSI colours. Default: only when stdout is a terminal (and NO_COLOR is not set). */
  color?: boolean;
  /** The server goes away after the demo (a temporary stack): no "look closer" hint. */
  temporary?: boolean;
}

export interface DemoResult {
  ok: boolean;
  scenarios: ScenarioResult[];
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = new Out(
    options.write ?? ((text) => process.stdout.write(text)),
    options.color ?? defaultColor(),
  );
  const client = new ApiClient(options.baseUrl, options.adminToken, SCRIPT_TIMEOUTS);
  const run = randomBytes(3).toString("hex");
  const products: Record<ProductKey, DemoProduct> = {
    lamp: { key: "lamp", sku: `demo-${run}-lamp`, name: "Desk lamp", priceCents: 2599, stock: 10 },
    bulb: { key: "bulb", sku: `demo-${run}-bulb`, name: "LED bulb", priceCents: 1250, stock: 20 },
    kettle: {
      key: "kettle",
      sku: `demo-${run}-kettle`,
      name: "Kettle (only 2 left)",
      priceCents: 6900,
      stock: 2,
    },
  };
  const customers: Record<CustomerKey, string> = {
    alice: `alice-${run}`,
    bob: `bob-${run}`,
    carol: `carol-${run}`,
  };
  const grants: Record<CustomerKey, number> = { alice: 1000, bob: 200, carol: 50 };
  const ctx: Context = { client, out, run, products, customers, model: new Model() };

  out.line(out.bold("edge-saga demo: one order saga, step by step"));
  out.line(
    `gateway ${client.baseUrl}   run ${run} (its own customers and products, so it can run again)`,
  );
  out.line();
  out.line(
    "Three services, each with its own database; no service calls another, no distributed transaction:",
  );
  out.line(
    `  ${out.tag("order")} owns orders: places them PENDING, hears the answers, decides CONFIRMED or REJECTED`,
  );
  out.line(
    `  ${out.tag("inventory")} reserves stock for an order, all lines or none (else OUT_OF_STOCK)`,
  );
  out.line(
    `  ${out.tag("rewards")} holds the points to redeem (else INSUFFICIENT_POINTS), awards earned points`,
  );
  out.line(
    "They talk only through events: state + outbox row in one D1 batch → relay → queue → the other's inbox.",
  );
  out.line(
    out.dim(
      "Times are ms since the request. '+' = when the order service recorded a step (GET /orders/{id}/history);\n" +
        "'~' = when the demo saw stock or points change (GET /products/{sku}, GET /customers/{id}/rewards).",
    ),
  );

  out.line();
  out.line(out.bold("Setup"));
  for (const p of Object.values(products)) {
    await client.putProduct(p.sku, { name: p.name, priceCents: p.priceCents, stock: p.stock });
    ctx.model.stock.set(p.sku, { available: p.stock, reserved: 0, sold: 0 });
    out.line(
      `  ${out.tag("inventory")} PUT /products/${p.sku.padEnd(20)} ${p.name}, ${dollars(p.priceCents)}, ${p.stock} in stock`,
    );
  }
  for (const who of Object.keys(customers) as CustomerKey[]) {
    const id = customers[who];
    await client.grantPoints(id, grants[who], "npm run demo");
    ctx.model.points.set(id, { balance: grants[who], reserved: 0 });
    out.line(`  ${out.tag("rewards")} granted ${grants[who]} points to ${id}`);
  }
  out.line(
    out.dim(
      "  (inventory tells the order service about each product with a ProductUpserted event: prices come from its own copy)",
    ),
  );

  const { lamp, bulb, kettle } = products;
  const scenarios: ScenarioResult[] = [];
  const earnedHappy = pointsEarnedFor(2 * lamp.priceCents + bulb.priceCents, 300);
  scenarios.push(
    await runOrderScenario(ctx, 1, {
      title: "A good order: stock and points are there",
      story:
        "Inventory reserves the lines, rewards holds the points; both say yes, so the order is CONFIRMED.",
      customer: customers.alice,
      items: [
        { product: "lamp", quantity: 2 },
        { product: "bulb", quantity: 1 },
      ],
      pointsToRedeem: 300,
      expect: { status: "CONFIRMED" },
      deltas: {
        stock: { [lamp.sku]: { available: -2, sold: 2 }, [bulb.sku]: { available: -1, sold: 1 } },
        points: { [customers.alice]: -300 + earnedHappy },
      },
    }),
  );
  scenarios.push(
    await runOrderScenario(ctx, 2, {
      title: "Out of stock: rejected, and nothing stays held",
      story: `Only ${kettle.stock} kettles exist and bob wants 3. Inventory reserves nothing (not even the bulb); rewards may already hold his points, and gives them back.`,
      customer: customers.bob,
      items: [
        { product: "bulb", quantity: 1 },
        { product: "kettle", quantity: 3 },
      ],
      pointsToRedeem: 100,
      expect: { status: "REJECTED", reason: "OUT_OF_STOCK" },
      deltas: {},
    }),
  );
  scenarios.push(
    await runOrderScenario(ctx, 3, {
      title: "Not enough points: rejected, and the stock goes back",
      story: `carol has ${grants.carol} points and wants to redeem 500. Inventory may already have reserved her lamp: it releases it.`,
      customer: customers.carol,
      items: [{ product: "lamp", quantity: 1 }],
      pointsToRedeem: 500,
      expect: { status: "REJECTED", reason: "INSUFFICIENT_POINTS" },
      deltas: {},
    }),
  );
  scenarios.push(await cancelScenario(ctx, 4));

  await printTables(ctx);
  const failed = scenarios.filter((s) => !s.ok);
  out.line();
  if (failed.length === 0) {
    out.line(out.green(out.bold(`All ${scenarios.length} scenarios ended as expected.`)));
  } else {
    out.line(
      out.red(
        out.bold(`${failed.length} of ${scenarios.length} scenarios did not end as expected:`),
      ),
    );
    for (const s of failed) out.line(out.red(`  ✘ ${s.title}: ${s.problems.join("; ")}`));
  }
  const last = scenarios.at(-1)?.orderId;
  if (last && !options.temporary) {
    out.line(out.dim(`Look closer: curl ${client.baseUrl}/orders/${last}/history`));
  }
  return { ok: failed.length === 0, scenarios };
}

async function printTables(ctx: Context) {
  const { out, client } = ctx;
  const products = await Promise.all(
    Object.values(ctx.products).map((p) => client.getProduct(p.sku)),
  );
  const accounts = await Promise.all(
    Object.values(ctx.customers).map((id) => client.getRewards(id)),
  );
  out.line();
  out.line(out.bold("Stock of the demo's products"));
  out.line(
    out.dim(
      `  ${"product".padEnd(22)}${"sku".padEnd(24)}${"available".padStart(10)}${"reserved".padStart(10)}${"sold".padStart(7)}`,
    ),
  );
  for (const p of products) {
    out.line(
      `  ${p.name.padEnd(22)}${p.sku.padEnd(24)}${String(p.available).padStart(10)}${String(p.reserved).padStart(10)}${String(p.sold).padStart(7)}`,
    );
  }
  out.line();
  out.line(out.bold("Points of the demo's customers"));
  out.line(
    out.dim(
      `  ${"customer".padEnd(22)}${"balance".padStart(10)}${"reserved".padStart(10)}${"lifetime earned".padStart(17)}`,
    ),
  );
  for (const a of accounts) {
    out.line(
      `  ${a.customerId.padEnd(22)}${String(a.balance).padStart(10)}${String(a.reserved).padStart(10)}${String(a.lifetimeEarned).padStart(17)}`,
    );
  }
}

function defaultColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return process.stdout.isTTY === true;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// CLI

const USAGE = `usage: npm run demo -- [--url ${DEFAULT_URL}] [--token <admin token>]
  --url     the gateway; when nothing answers there, a temporary local stack is started
  --token   admin token (default: $ADMIN_TOKEN, else dev-admin-token)`;

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string", default: DEFAULT_URL },
      token: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let baseUrl = values.url.replace(/\/+$/, "");
  let adminToken = values.token ?? process.env.ADMIN_TOKEN ?? "dev-admin-token";
  let stack: LocalStack | undefined;
  try {
    if (!(await new ApiClient(baseUrl, adminToken).isUp())) {
      process.stdout.write(
        `Nothing answers at ${baseUrl} (start one with \`npm run dev\`): starting a temporary local stack for this run…\n`,
      );
      stack = await startLocalStack({ adminToken: values.token ?? process.env.ADMIN_TOKEN });
      baseUrl = stack.baseUrl;
      adminToken = stack.adminToken;
      process.stdout.write(`temporary stack up at ${baseUrl}\n\n`);
    }
    const result = await runDemo({ baseUrl, adminToken, temporary: stack !== undefined });
    return result.ok ? 0 : 1;
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(`\ndemo failed: ${message}\n`);
    if (/ 40[13]/.test(message)) {
      process.stderr.write("(is the admin token right? --token or ADMIN_TOKEN)\n");
    }
    return 2;
  } finally {
    if (stack) {
      await stack.stop();
      process.stdout.write("(temporary stack stopped)\n");
    }
  }
}

const invokedDirectly = (() => {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  main().then((code) => process.exit(code));
}
