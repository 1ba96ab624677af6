import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { deliver, readAllPages } from "@edge-saga/kit-testing";
import { onShard, shardOf } from "@edge-saga/shared";
import { describe, expect, it } from "vitest";
import { pruneTombstones, TOMBSTONE_RETENTION_MS } from "../src/db/prune-tombstones";
import worker from "../src/index";
import {
  expectConsistent,
  orderConfirmed,
  orderPlaced,
  orderRejected,
  published,
  request,
  reservation,
  stock,
  uniqueId,
} from "./helpers";

/**
 * The inventory on two shards (SHARDS "2", DB and DB_1 of vitest.config.ts), through the
 * worker's own queue and fetch handlers: the kit fans each event out to the shards the
 * service's shardOf names, and each runs the handlers on its own database.
 */
const sharded: Env = Object.assign({}, env, { SHARDS: "2" });
const shardDb = [env.DB, env.DB_1] as const;

/** A fresh SKU that lives on `shard` of 2. */
function skuOn(shard: number, prefix = "sku"): string {
  for (;;) {
    const sku = uniqueId(`${prefix}-s${shard}`);
    if (shardOf(sku, 2) === shard) return sku;
  }
}

async function fetchSharded(path: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://inventory${path}`, init), sharded, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function putProduct(sku: string, stock: number): Promise<void> {
  const res = await fetchSharded(`/products/${sku}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `Product ${sku}`, priceCents: 1000, stock }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

/** Delivers events to the sharded worker as one batch; every message must be acked. */
async function inbox(...events: unknown[]) {
  const result = await deliver(worker, sharded, "inventory-inbox", events);
  expect(result.retryMessages, "messages left for a retry").toEqual([]);
  expect(result.explicitAcks).toHaveLength(events.length);
}

/** Units of `skus` still reserved on a shard (0 for SKUs it does not hold). */
async function heldOn(db: D1Database, skus: string[]): Promise<number> {
  const row = await db
    .prepare(
      `SELECT COALESCE(SUM(reserved), 0) AS held FROM products WHERE sku IN (${skus.map(() => "?").join(", ")})`,
    )
    .bind(...skus)
    .first<{ held: number }>();
  return row?.held ?? -1;
}

async function linesOn(db: D1Database, orderId: string) {
  const { results } = await db
    .prepare("SELECT sku, quantity FROM reservation_lines WHERE order_id = ? ORDER BY sku")
    .bind(orderId)
    .all<{ sku: string; quantity: number }>();
  return results;
}

describe("products on two shards", () => {
  it("writes and reads a product on its SKU's shard, and lists every shard by SKU", async () => {
    const a = skuOn(0, "list");
    const b = skuOn(1, "list");
    await putProduct(a, 4);
    await putProduct(b, 7);

    // Each row only in its SKU's database, and its ProductUpserted in that shard's outbox.
    expect(await stock(a, env.DB)).toMatchObject({ available: 4, received: 4 });
    expect(await stock(a, env.DB_1)).toBeNull();
    expect(await stock(b, env.DB_1)).toMatchObject({ available: 7, received: 7 });
    expect(await stock(b, env.DB)).toBeNull();
    expect((await published(b, env.DB_1)).map((e) => e.type)).toEqual(["ProductUpserted"]);
    expect(await published(b, env.DB)).toEqual([]);

    const one = await fetchSharded(`/products/${b}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ sku: b, available: 7 });
    // The same worker on one shard reads only DB: b is not there.
    expect((await request(`/products/${b}`)).status).toBe(404);

    // A second PUT updates the row on its shard (the version guard reads that shard).
    const again = await fetchSharded(`/products/${b}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "renamed", priceCents: 1000, stock: 9 }),
    });
    expect(again.status).toBe(200);
    expect(await stock(b, env.DB_1)).toMatchObject({ available: 9, received: 9, version: 2 });

    const list = await fetchSharded("/products");
    const skus = ((await list.json()) as { products: { sku: string }[] }).products
      .map((p) => p.sku)
      .filter((sku) => sku.startsWith("list-"));
    expect(skus).toEqual([a, b].sort());
  });
});

describe("an order on two inventory shards", () => {
  it("reserves on each shard its own lines, each answering for them with shard and shards", async () => {
    const a = skuOn(0);
    const b = skuOn(1);
    await putProduct(a, 5);
    await putProduct(b, 5);
    const orderId = uniqueId("order");
    await inbox(
      orderPlaced(orderId, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ]),
    );

    expect(await stock(a, env.DB)).toMatchObject({ available: 3, reserved: 2 });
    expect(await stock(b, env.DB_1)).toMatchObject({ available: 2, reserved: 3 });
    expect(await linesOn(env.DB, orderId)).toEqual([{ sku: a, quantity: 2 }]);
    expect(await linesOn(env.DB_1, orderId)).toEqual([{ sku: b, quantity: 3 }]);
    const answers = await Promise.all(shardDb.map((db) => published(orderId, db)));
    expect(answers.map((events) => events.map((e) => [e.type, e.payload]))).toEqual([
      [["StockReserved", { orderId, items: [{ sku: a, quantity: 2 }], shard: 0, shards: [0, 1] }]],
      [["StockReserved", { orderId, items: [{ sku: b, quantity: 3 }], shard: 1, shards: [0, 1] }]],
    ]);

    // The confirmation goes to every shard: each sells what it holds.
    await inbox(orderConfirmed(orderId));
    expect(await stock(a, env.DB)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await stock(b, env.DB_1)).toMatchObject({ available: 2, reserved: 0, sold: 3 });
    for (const db of shardDb) {
      expect(await reservation(orderId, db)).toMatchObject({ status: "SOLD" });
      await expectConsistent(db);
    }
  });

  it("goes only to the shards of its SKUs; a confirmation writes nothing on a shard holding nothing", async () => {
    const a = skuOn(0);
    await putProduct(a, 5);
    const orderId = uniqueId("order");
    await inbox(orderPlaced(orderId, [{ sku: a, quantity: 1 }]));
    const [only] = await published(orderId, env.DB);
    expect(only?.payload).toEqual({
      orderId,
      items: [{ sku: a, quantity: 1 }],
      shard: 0,
      shards: [0],
    });

    await inbox(orderConfirmed(orderId));
    expect(await reservation(orderId, env.DB)).toMatchObject({ status: "SOLD" });
    expect(await reservation(orderId, env.DB_1)).toBeNull();
    expect(await published(orderId, env.DB_1)).toEqual([]);
  });

  it("one shard short: it answers failed, the other reserved; OrderRejected releases it, nothing held anywhere", async () => {
    const a = skuOn(0);
    const b = skuOn(1);
    await putProduct(a, 5);
    await putProduct(b, 1);
    const orderId = uniqueId("order");
    await inbox(
      orderPlaced(orderId, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ]),
    );

    expect(await reservation(orderId, env.DB)).toMatchObject({ status: "RESERVED" });
    expect(await reservation(orderId, env.DB_1)).toMatchObject({
      status: "FAILED",
      reason: "OUT_OF_STOCK",
    });
    expect((await published(orderId, env.DB)).map((e) => e.type)).toEqual(["StockReserved"]);
    expect((await published(orderId, env.DB_1)).map((e) => [e.type, e.payload])).toEqual([
      [
        "StockReservationFailed",
        { orderId, reason: "OUT_OF_STOCK", skus: [b], shard: 1, shards: [0, 1] },
      ],
    ]);
    expect(await heldOn(env.DB, [a, b])).toBe(2);

    // The order rejects: every shard hears it, the one that reserved gives its units back.
    await inbox(orderRejected(orderId, "OUT_OF_STOCK"));
    expect(await stock(a, env.DB)).toMatchObject({ available: 5, reserved: 0, sold: 0 });
    expect(await stock(b, env.DB_1)).toMatchObject({ available: 1, reserved: 0, sold: 0 });
    for (const db of shardDb) {
      expect(await reservation(orderId, db)).toMatchObject({ status: "RELEASED" });
      expect(await heldOn(db, [a, b])).toBe(0);
      await expectConsistent(db);
    }
  });

  it("a shard whose OrderPlaced comes after OrderRejected reserves nothing", async () => {
    const a = skuOn(0);
    const b = skuOn(1);
    await putProduct(a, 5);
    await putProduct(b, 5);
    const orderId = uniqueId("order");
    await inbox(orderRejected(orderId, "TIMED_OUT"));
    await inbox(
      orderPlaced(orderId, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ]),
    );
    for (const db of shardDb) {
      expect(await reservation(orderId, db)).toMatchObject({ status: "RELEASED" });
      expect(await linesOn(db, orderId)).toEqual([]);
      expect(await published(orderId, db)).toEqual([]);
      expect(await heldOn(db, [a, b])).toBe(0);
    }
  });
});

describe("inventory snapshot on two shards", () => {
  const all = <T>(path: string, key: string, limit: number) =>
    readAllPages<T>(fetchSharded, path, key, limit);

  it("pages over every shard, saying where each product is and what each shard did for an order", async () => {
    const a = skuOn(0, "snap");
    const b = skuOn(1, "snap");
    await putProduct(a, 5);
    await putProduct(b, 1);
    const failed = uniqueId("order");
    const held = uniqueId("order");
    await inbox(
      orderPlaced(failed, [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ]),
    );
    await inbox(
      orderPlaced(held, [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ]),
    );

    const products = await all<{ sku: string }>("/admin/snapshot/products", "products", 1);
    const skus = products.map((p) => p.sku);
    expect(skus).toEqual([...skus].sort());
    expect(products.filter((p) => p.sku === a || p.sku === b)).toEqual(
      [
        { sku: a, available: 2, reserved: 3, sold: 0, received: 5, shard: 0 },
        { sku: b, available: 0, reserved: 1, sold: 0, received: 1, shard: 1 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    );

    const reservations = await all<{ orderId: string }>(
      "/admin/snapshot/reservations",
      "reservations",
      1,
    );
    const ids = reservations.map((r) => r.orderId);
    expect(new Set(ids).size).toBe(ids.length);
    const byKey = (x: { sku: string }, y: { sku: string }) => (x.sku < y.sku ? -1 : 1);
    expect(reservations.find((r) => r.orderId === held)).toEqual({
      orderId: held,
      status: "RESERVED",
      lines: [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ].sort(byKey),
      shards: [
        { shard: 0, status: "RESERVED", lines: [{ sku: a, quantity: 1 }] },
        { shard: 1, status: "RESERVED", lines: [{ sku: b, quantity: 1 }] },
      ],
    });
    // Still holding on shard 0 while shard 1 failed: the row shows what holds.
    expect(reservations.find((r) => r.orderId === failed)).toEqual({
      orderId: failed,
      status: "RESERVED",
      lines: [{ sku: a, quantity: 2 }],
      shards: [
        { shard: 0, status: "RESERVED", lines: [{ sku: a, quantity: 2 }] },
        { shard: 1, status: "FAILED", lines: [] },
      ],
    });
  });
});

describe("tombstones on shards an order never used", () => {
  const later = { now: Date.now() + TOMBSTONE_RETENTION_MS + 60_000 };

  it("hold nothing, and are pruned after the inbox's retention; reservations with lines stay", async () => {
    const a = skuOn(0);
    await putProduct(a, 5);
    const orderId = uniqueId("order");
    await inbox(orderPlaced(orderId, [{ sku: a, quantity: 2 }]));
    await inbox(orderRejected(orderId));
    // Shard 1 never got the OrderPlaced: the rejection left a tombstone there, and no event.
    expect(await reservation(orderId, env.DB_1)).toMatchObject({ status: "RELEASED" });
    expect(await linesOn(env.DB_1, orderId)).toEqual([]);
    expect(await published(orderId, env.DB_1)).toEqual([]);

    // Young: kept (a late OrderPlaced must still find it).
    expect(await pruneTombstones(onShard(sharded, 1))).toBe(0);
    expect(await reservation(orderId, env.DB_1)).not.toBeNull();

    expect(await pruneTombstones(onShard(sharded, 1), later)).toBeGreaterThanOrEqual(1);
    expect(await reservation(orderId, env.DB_1)).toBeNull();
    // The shard that reserved keeps its released reservation, lines and all.
    await pruneTombstones(onShard(sharded, 0), later);
    expect(await reservation(orderId, env.DB)).toMatchObject({ status: "RELEASED" });
    expect(await linesOn(env.DB, orderId)).toEqual([{ sku: a, quantity: 2 }]);
  });

  it("are pruned by the cron on every shard; on one shard nothing is pruned", async () => {
    const old = uniqueId("order");
    for (const db of shardDb)
      await db
        .prepare(
          "INSERT INTO reservations (order_id, status, created_at, updated_at) VALUES (?, 'CANCELLED', 1, 1)",
        )
        .bind(old)
        .run();

    // SHARDS unset: tombstones stay as they always have.
    expect(await pruneTombstones(env, later)).toBe(0);
    expect(await reservation(old, env.DB)).not.toBeNull();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), sharded, ctx);
    await waitOnExecutionContext(ctx);
    for (const db of shardDb) expect(await reservation(old, db)).toBeNull();
  });
});
