import { env } from "cloudflare:workers";
import { asCustomer, onShards, readAllPages } from "@edge-saga/kit-testing";
import {
  loggerFor,
  newId,
  onShard,
  runDueEffects,
  shardOfId,
  slotOf,
  withSlot,
} from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { database } from "../src/db/client";
import worker from "../src/index";
import { paymentEffects } from "../src/psp/payment-effects";
import { orderShard, paymentShardOf } from "../src/shards";
import { customerOf, getPayment, orderEvents } from "./helpers";

/** An order id as the order service makes it, naming a slot on `shard` of 2. */
function orderOn(shard: number): string {
  for (;;) {
    const orderId = withSlot(newId(), slotOf(newId()));
    if (shardOfId(orderId, 2) === shard) return orderId;
  }
}

const paymentsIn = (db: D1Database, orderId: string) =>
  db
    .prepare("SELECT count(*) AS n FROM payments WHERE order_id = ?")
    .bind(orderId)
    .first<number>("n");

describe("payment routing (pure)", () => {
  it("puts every event of an order on the shard its id names", () => {
    const orderId = withSlot(newId(), 7);
    const { placed, confirmed, rejected, cancelled } = orderEvents(orderId);
    for (const event of [placed, confirmed, rejected, cancelled("CONFIRMED")]) {
      expect(paymentShardOf(event, 4)).toBe(3);
      expect(paymentShardOf(event, 2)).toBe(1);
      expect(paymentShardOf(event, 1)).toBe(0);
    }
    expect(orderShard(orderId, 8)).toBe(7);
  });
});

describe("payment on two shards", () => {
  it("records an order's payment and its call on the order's shard, reads it there and makes the call with that shard's env", async () => {
    const svc = onShards(worker, env, 2);
    const orderId = orderOn(1);
    const result = await svc.deliver("payment-inbox", [orderEvents(orderId).placed]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);
    expect([await paymentsIn(env.DB_1, orderId), await paymentsIn(env.DB, orderId)]).toEqual([
      1, 0,
    ]);
    // The authorization waits in shard 1's effects, whose relay was poked.
    expect(svc.relays).toEqual(["outbox-relay:shard-1"]);

    // What shard 1's relay does with it: the call made, the answer recorded on that shard.
    const shard = onShard(svc.env as Env, 1);
    await runDueEffects({
      db: database(shard),
      env: shard,
      performers: paymentEffects,
      log: loggerFor(env),
    });
    const read = await svc.fetch(`/orders/${orderId}/payment`, {
      headers: asCustomer(customerOf(orderId)),
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ orderId, status: "AUTHORIZED", amountCents: 2500 });
    const reported = await env.DB_1.prepare(
      "SELECT type FROM outbox WHERE correlation_id = ? ORDER BY seq",
    )
      .bind(orderId)
      .all<{ type: string }>();
    expect(reported.results.map((r) => r.type)).toEqual(["PaymentAuthorized"]);
    // On one shard (the runtime's own env) the order is not there: 404.
    expect((await getPayment(orderId)).status).toBe(404);
  });

  it("the admin snapshot reads every shard and says where each payment lives", async () => {
    const svc = onShards(worker, env, 2);
    const orders = [orderOn(0), orderOn(1), orderOn(1), orderOn(0), orderOn(1)];
    const result = await svc.deliver(
      "payment-inbox",
      orders.map((orderId) => orderEvents(orderId).placed),
    );
    expect(result.explicitAcks).toHaveLength(orders.length);
    for (const limit of [1, 2, 1000]) {
      const rows = (
        await readAllPages<{ orderId: string; shard?: number }>(
          svc.fetch,
          "/admin/snapshot/payments",
          "payments",
          limit,
        )
      ).filter((row) => orders.includes(row.orderId));
      expect(rows.map((row) => row.orderId)).toEqual([...orders].sort());
      for (const row of rows) expect(row.shard).toBe(shardOfId(row.orderId, 2));
    }
  });
});
