/**
 * A confirmed order cancelled on request: the order is CANCELLED, inventory puts the sold units
 * back, rewards returns the redeemed points and takes back the earned ones, and the payment
 * service refunds the captured card payment.
 */
import { type Order, pointsEarnedFor } from "@edge-saga/contracts";
import { follow } from "../journey";
import { type Expected, finish, paymentOf, runOrderScenario } from "../order-scenario";
import { dollars } from "../output";
import type { Context, Deltas, ScenarioResult } from "../world";

export async function cancelledOrder(ctx: Context, number: number): Promise<ScenarioResult> {
  const { out, client, products, customers } = ctx;
  const { kettle, bulb } = products;
  const alice = customers.alice;
  const redeemed = 400;
  const card = kettle.priceCents + 2 * bulb.priceCents - redeemed;
  const confirmed = await runOrderScenario(ctx, number, {
    title: "Cancel a confirmed order: everything goes back",
    story:
      "First an order that goes through, then the customer changes their mind. Cancelling is allowed while PENDING or CONFIRMED.",
    customer: alice,
    items: [
      { product: "kettle", quantity: 1 },
      { product: "bulb", quantity: 2 },
    ],
    pointsToRedeem: redeemed,
    paymentMethod: "tok_visa",
    expect: { status: "CONFIRMED", payment: "CAPTURED" },
    deltas: {
      stock: { [kettle.sku]: { available: -1, sold: 1 }, [bulb.sku]: { available: -2, sold: 2 } },
      points: {
        [alice]: -redeemed + pointsEarnedFor(kettle.priceCents + 2 * bulb.priceCents, redeemed),
      },
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
    `   Now the cancel: inventory must put the sold units back, rewards must return the ${redeemed} redeemed points and take back the ${earned} it awarded, payment must refund the ${dollars(card)} it captured.`,
  );
  const [stockBefore, pointsBefore, paymentBefore, history] = await Promise.all([
    Promise.all([kettle.sku, bulb.sku].map((sku) => client.getProduct(sku))),
    client.getRewards(alice),
    client.getPayment(orderId),
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
    points: { [alice]: redeemed - earned },
  };
  const expect: Expected = { status: "CANCELLED", payment: paymentOf("REFUNDED", card) };
  const result = await follow(
    ctx,
    orderId,
    t0,
    { ...expect, deltas },
    {
      seen: new Set(history.map((t) => t.version)),
      stock: new Map(stockBefore.map((p) => [p.sku, p])),
      points: new Map([[alice, pointsBefore]]),
      payment: paymentBefore,
    },
  );
  return finish(ctx, title, expect, deltas, result, orderId, t0);
}
