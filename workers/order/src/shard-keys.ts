import {
  type Envelope,
  type OnShard,
  onShard,
  shardCount,
  shardOf,
  shardOfId,
} from "@edge-saga/shared";

/**
 * Where the order service keeps things (design.md, "Shards"): by customer. An order's id names
 * its customer's slot (withSlot at placement), so an order is found from its id alone and a
 * customer's list, idempotency keys and orders all sit on one shard.
 */

/** The env of the shard holding `customerId`'s orders, list and Idempotency-Keys. */
export function customerShard<E extends object>(env: E, customerId: string): OnShard<E> {
  return onShard(env, shardOf(customerId, shardCount(env)));
}

/** The env of the shard holding order `orderId` (the shard its id names). */
export function orderShard<E extends object>(env: E, orderId: string): OnShard<E> {
  return onShard(env, shardOfId(orderId, shardCount(env)));
}

/**
 * The shards an incoming event applies on (defineService's `shardOf`): the catalog copy that
 * prices orders must be on every shard; everything else is about one order, on its shard.
 */
export function shardsOfEvent(event: Envelope, shards: number): number | number[] {
  if (event.type === "ProductUpserted") return Array.from({ length: shards }, (_, i) => i);
  const orderId = (event.payload as { orderId?: unknown } | null)?.orderId;
  return shardOfId(typeof orderId === "string" ? orderId : event.correlationId, shards);
}
