/**
 * One order through the saga as a numbered scenario: the story, the order placed, its journey
 * followed, and the verdict against what the demo expected.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ErrorBody,
  type Order,
  type OrderStatus,
  type PaymentStatus,
  pointsEarnedFor,
} from "@edge-saga/contracts";
import type { PlaceOrder } from "../api-client";
import { type ExpectedPayment, follow, type Journey } from "./journey";
import { dollars } from "./output";
import {
  type Context,
  type Deltas,
  type ProductKey,
  productName,
  type ScenarioResult,
} from "./world";

export interface OrderSpec {
  title: string;
  story: string;
  customer: string;
  items: { product: ProductKey; quantity: number }[];
  pointsToRedeem: number;
  /** `POST /orders`' `paymentMethod` (a sandbox token); absent: the customer's saved card. */
  paymentMethod?: string;
  /**
   * How the order ends, and where its card payment ends (`GET /orders/{id}/payment`); its
   * amount is checked too (what points do not pay), except for a void.
   */
  expect: { status: OrderStatus; reason?: string; payment: PaymentStatus };
  /** Stock and points changes once the saga settled. */
  deltas: Deltas;
}

/** What a scenario expects of its order once the saga settled. */
export interface Expected {
  status: OrderStatus;
  reason?: string;
  payment?: ExpectedPayment;
}

/**
 * The payment an order of `amountCents` (what points do not pay) ends with at `status`. A void
 * may come before the payment service heard of the order (a tombstone of 0 cents): its amount
 * is not checked.
 */
export function paymentOf(status: PaymentStatus, amountCents: number): ExpectedPayment {
  return status === "VOIDED" ? { status } : { status, amountCents };
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

export async function runOrderScenario(
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
  const card = Math.max(0, total - spec.pointsToRedeem);
  const paying =
    card === 0
      ? ", points pay it all"
      : `, ${dollars(card)} by card (${spec.paymentMethod ? `paymentMethod ${spec.paymentMethod}` : "saved card"})`;
  out.line(
    `   ${spec.customer} orders ${what} = ${dollars(total)}` +
      (spec.pointsToRedeem > 0 ? `, redeeming ${spec.pointsToRedeem} points` : "") +
      paying,
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
    ...(spec.paymentMethod ? { paymentMethod: spec.paymentMethod } : {}),
  });
  out.step(
    Date.now() - t0,
    "you",
    `POST /orders → 202 ${out.status(placed.status)}  order ${placed.id}` +
      (retried ? out.dim(" (retried: the order service was still learning the new products)") : ""),
    true,
  );
  const earned = pointsEarnedFor(total, spec.pointsToRedeem);
  const expect: Expected = { ...spec.expect, payment: paymentOf(spec.expect.payment, card) };
  const result = await follow(
    ctx,
    placed.id,
    t0,
    {
      ...expect,
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
  return finish(ctx, spec.title, expect, spec.deltas, result, placed.id, t0);
}

/** The verdict on a followed order: the model moves on only when it ended as expected. */
export function finish(
  ctx: Context,
  title: string,
  expect: Expected,
  deltas: Deltas,
  result: Journey,
  orderId: string,
  t0: number,
): ScenarioResult & { order?: Order } {
  const { out } = ctx;
  const ms = Date.now() - t0;
  const expected =
    (expect.reason ? `${expect.status} (${expect.reason})` : expect.status) +
    (expect.payment ? `, payment ${expect.payment.status}` : "");
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
          `card payment ${result.last.payment.status} ${dollars(result.last.payment.amountCents)}`,
        ].join(", ")
      : "";
    const paid = expect.payment ? `, payment ${expect.payment.status}` : "";
    out.line(
      `   ${out.green("✔")} ${out.status(expect.status)} as expected${expect.reason ? ` (${expect.reason})` : ""}${paid}, settled in ~${ms} ms`,
    );
    out.line(out.dim(`     now: ${held}`));
    return { title, ok: true, problems: [], orderId, order: result.order };
  }
  out.line(`   ${out.red("✘")} expected ${expected}, but:`);
  for (const p of result.problems) out.line(`     ${out.red("-")} ${p}`);
  return { title, ok: false, problems: result.problems, orderId, order: result.order };
}
