import { type Envelope, shardOf, shardOfId } from "@edge-saga/shared";

/**
 * The view lives by customer: an order's row on the shard its id names (the customer's slot,
 * as the order service makes ids), so her list is one shard's query. Every event about an order
 * names it (`payload.orderId`); a product's goes to every shard, since any shard's orders may
 * show its name and price.
 * @example viewShardOf(stockReserved, 4) === orderShard(stockReserved.payload.orderId, 4)
 */
export function viewShardOf(event: Envelope, shards: number): number | number[] {
  if (event.type === "ProductUpserted") return Array.from({ length: shards }, (_, i) => i);
  const orderId = (event.payload as { orderId?: unknown } | undefined)?.orderId;
  return orderShard(typeof orderId === "string" ? orderId : event.correlationId, shards);
}

/** The shard that holds the view of `orderId`. */
export const orderShard = (orderId: string, shards: number): number => shardOfId(orderId, shards);

/** The shard that holds `customerId`'s orders: the one her orders' ids name. */
export const customerShard = (customerId: string, shards: number): number =>
  shardOf(customerId, shards);
