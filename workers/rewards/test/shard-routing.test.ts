import { env } from "cloudflare:workers";
import { asAdmin, asCustomer, onShards, readAllPages } from "@edge-saga/kit-testing";
import { newId, shardOf, shardOfId, slotOf, withSlot } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { customerShard, rewardsShardOf } from "../src/shards";
import { newOrder, orderPlaced, uniqueId } from "./helpers";

/** A customer id whose account lives on `shard` of 2. */
function customerOn(shard: number): string {
  for (;;) {
    const id = uniqueId("sharded");
    if (shardOf(id, 2) === shard) return id;
  }
}

/** An order of `customerId` with an id as the order service makes it: naming her slot. */
const orderOf = (customerId: string, pointsToRedeem: number) => ({
  ...newOrder(customerId, pointsToRedeem),
  orderId: withSlot(newId(), slotOf(customerId)),
});

/** The service on two shards (SHARDS "2", DB and DB_1: vitest.config.ts). */
const twoShards = () => onShards(worker, env, 2);

const count = (db: D1Database, sql: string, key: string) =>
  db.prepare(sql).bind(key).first<number>("n");
const ledgerOf = (db: D1Database, customerId: string) =>
  count(db, "SELECT count(*) AS n FROM ledger WHERE customer_id = ?", customerId);

describe("rewards routing (pure)", () => {
  it("puts a customer's saga events on her shard, whatever the order id names", () => {
    const customer = customerOn(1);
    // An id that does not name her slot (made before shards, or by hand) hashes elsewhere.
    let orderId = "order-0";
    for (let i = 1; shardOfId(orderId, 2) === 1; i++) orderId = `order-${i}`;
    const event = orderPlaced({ ...newOrder(customer, 0), orderId });
    expect(rewardsShardOf(event, 2)).toBe(1);
    expect(rewardsShardOf(event, 1)).toBe(0);
    // For the order service's ids the order's shard is hers: the two keys agree.
    const named = orderPlaced(orderOf(customer, 0));
    expect(rewardsShardOf(named, 2)).toBe(shardOfId(named.payload.orderId, 2));
    for (const shards of [1, 2, 3, 4, 8])
      expect(rewardsShardOf(named, shards)).toBe(customerShard(customer, shards));
  });

  it("falls back to the correlation id for an event that names no customer", () => {
    const orderId = withSlot(newId(), 5);
    const event = { ...orderPlaced(orderOf("c", 0)), payload: {}, correlationId: orderId };
    expect(rewardsShardOf(event, 4)).toBe(1);
  });
});

describe("rewards on two shards", () => {
  it("grants on the customer's shard, pokes that shard's relay and reads from there", async () => {
    const svc = twoShards();
    const onOne = customerOn(1);
    const onZero = customerOn(0);

    for (const [customerId, points] of [
      [onOne, 70],
      [onZero, 30],
    ] as const) {
      const res = await svc.fetch(`/customers/${customerId}/rewards/grants`, {
        method: "POST",
        headers: { "content-type": "application/json", ...asAdmin() },
        body: JSON.stringify({ points }),
      });
      expect(res.status).toBe(201);
    }
    expect(await ledgerOf(env.DB_1, onOne)).toBe(1);
    expect(await ledgerOf(env.DB, onOne)).toBe(0);
    expect(await ledgerOf(env.DB, onZero)).toBe(1);
    expect(await ledgerOf(env.DB_1, onZero)).toBe(0);
    // Her PointsGranted waits in shard 1's outbox, whose relay was the one poked.
    expect(
      await count(env.DB_1, "SELECT count(*) AS n FROM outbox WHERE correlation_id = ?", onOne),
    ).toBe(1);
    expect(svc.relays).toEqual(["outbox-relay:shard-1", "outbox-relay"]);

    const read = await svc.fetch(`/customers/${onOne}/rewards`, { headers: asCustomer(onOne) });
    expect(await read.json()).toEqual({
      customerId: onOne,
      balance: 70,
      reserved: 0,
      lifetimeEarned: 0,
    });
    const history = await svc.fetch(`/customers/${onOne}/rewards/history`, {
      headers: asCustomer(onOne),
    });
    expect((await history.json<{ entries: unknown[] }>()).entries).toHaveLength(1);
  });

  it("applies a saga event on the customer's shard and relays its answer from there", async () => {
    const svc = twoShards();
    const customer = customerOn(1);
    const grantRes = await svc.fetch(`/customers/${customer}/rewards/grants`, {
      method: "POST",
      headers: { "content-type": "application/json", ...asAdmin() },
      body: JSON.stringify({ points: 100 }),
    });
    expect(grantRes.status).toBe(201);
    const order = orderOf(customer, 40);

    const placed = orderPlaced(order);
    const result = await svc.deliver("rewards-inbox", [placed]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(1);

    const hold = (db: D1Database) =>
      count(db, "SELECT count(*) AS n FROM holds WHERE order_id = ?", order.orderId);
    expect(await hold(env.DB_1)).toBe(1);
    expect(await hold(env.DB)).toBe(0);
    // Deduplicated and answered (PointsReserved) on her shard only.
    const inboxOf = (db: D1Database) =>
      count(db, "SELECT count(*) AS n FROM inbox WHERE event_id = ?", placed.id);
    expect([await inboxOf(env.DB_1), await inboxOf(env.DB)]).toEqual([1, 0]);
    const answers = (db: D1Database) =>
      count(db, "SELECT count(*) AS n FROM outbox WHERE correlation_id = ?", order.orderId);
    expect([await answers(env.DB_1), await answers(env.DB)]).toEqual([1, 0]);
    expect(svc.relays.at(-1)).toBe("outbox-relay:shard-1");
  });

  it("admin snapshots read every shard and say where each row lives", async () => {
    const svc = twoShards();
    const customers = [customerOn(0), customerOn(1), customerOn(1), customerOn(0)];
    for (const customerId of customers) {
      const res = await svc.fetch(`/customers/${customerId}/rewards/grants`, {
        method: "POST",
        headers: { "content-type": "application/json", ...asAdmin() },
        body: JSON.stringify({ points: 10 }),
      });
      expect(res.status).toBe(201);
    }
    const pages = (limit: number) =>
      readAllPages<{ customerId: string; grants: number; shard?: number }>(
        svc.fetch,
        "/admin/snapshot/accounts",
        "accounts",
        limit,
      );
    for (const limit of [1, 3, 1000]) {
      const accounts = (await pages(limit)).filter((a) => customers.includes(a.customerId));
      // Each account once, in key order across both shards, with its own shard named.
      expect(accounts.map((a) => a.customerId)).toEqual([...customers].sort());
      for (const account of accounts) {
        expect(account.shard).toBe(shardOf(account.customerId, 2));
        expect(account.grants).toBe(10);
      }
    }
  });
});
