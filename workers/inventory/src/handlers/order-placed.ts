import type { Catalog } from "@edge-saga/contracts";
import { catalog } from "@edge-saga/contracts";
import type { Decision, EventHandler, EventOf } from "@edge-saga/shared";
import { shardCount, shardOf, shardOfEnv, shardsOf } from "@edge-saga/shared";
import { eq, inArray } from "drizzle-orm";
import { products, reservationLines, reservations } from "../db/schema";
import { moveUnits } from "../db/stock-statements";
import { checkStock } from "../domain/check-stock";
import { mergeLines } from "../domain/merge-lines";

type OrderPlaced = EventOf<Catalog, "OrderPlaced">;

/**
 * Reserves every line of the order or none. The reservation row's primary key makes
 * the first event about an order win: if a rejection or cancel already left a
 * tombstone, or one lands while we decide, nothing is reserved.
 *
 * On several shards, "the order" is its lines whose SKUs live on this shard: each shard
 * reserves those all or nothing and answers for them, naming itself and every shard the
 * order's SKUs live on, so the order service knows whose answers to wait for.
 */
export const orderPlaced: EventHandler<Env, OrderPlaced> = async (event, { db, env }) => {
  const { orderId } = event.payload;
  const shards = shardCount(env);
  const shard = shardOfEnv(env);
  const items =
    shards === 1
      ? event.payload.items
      : event.payload.items.filter((item) => shardOf(item.sku, shards) === shard);
  // Routed here for none of its lines (not by this service's shardOf): nothing of ours to hold.
  if (items.length === 0) return {};
  const answer =
    shards === 1
      ? {}
      : {
          shard,
          shards: shardsOf(
            event.payload.items.map((item) => item.sku),
            shards,
          ),
        };
  const lines = mergeLines(items);
  // Both reads at once (one round trip). Products are never deleted, so a SKU missing here
  // is unknown for good.
  const [existing, stock] = await Promise.all([
    db
      .select({ status: reservations.status })
      .from(reservations)
      .where(eq(reservations.orderId, orderId))
      .get(),
    db
      .select({ sku: products.sku, available: products.available })
      .from(products)
      .where(
        inArray(
          products.sku,
          lines.map((l) => l.sku),
        ),
      )
      .all(),
  ]);
  if (existing) return {};

  const check = checkStock(lines, new Map(stock.map((p) => [p.sku, p.available])));

  const now = Date.now();
  const cause = { correlationId: orderId, causationId: event.id };
  const reserve: Decision = {
    statements: [
      db
        .insert(reservations)
        .values({ orderId, status: "RESERVED", createdAt: now, updatedAt: now }),
      ...lines.map((l) => db.insert(reservationLines).values({ orderId, ...l })),
      ...lines.map((l) => moveUnits(db, l.sku, l.quantity, "reserve", now)),
    ],
    events: [
      catalog.create("StockReserved", {
        aggregateType: "reservation",
        aggregateId: orderId,
        ...cause,
        // The order's own lines: the same units, and always within the event's per-line limit.
        payload: {
          orderId,
          items: items.map(({ sku, quantity }) => ({ sku, quantity })),
          ...answer,
        },
      }),
    ],
  };
  // Enough stock when we read: a concurrent order taking it makes a CHECK refuse this batch,
  // and the kit re-runs the handler on fresh stock, which then names the short SKUs.
  if (check.ok) return reserve;

  const fail: Decision = {
    statements: [
      db.insert(reservations).values({
        orderId,
        status: "FAILED",
        reason: check.reason,
        createdAt: now,
        updatedAt: now,
      }),
    ],
    events: [
      catalog.create("StockReservationFailed", {
        aggregateType: "reservation",
        aggregateId: orderId,
        ...cause,
        payload: { orderId, reason: check.reason, skus: check.skus, ...answer },
      }),
    ],
  };
  // Short when we read: still try first, a restock may have landed since.
  return check.reason === "OUT_OF_STOCK" ? [reserve, fail] : fail;
};
