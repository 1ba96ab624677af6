import { type Envelope, shardOfId } from "@edge-saga/shared";

/**
 * Payment lives by order: a payment, its effects and the events reporting them are the order's,
 * on the shard its id names (`shardOfId`, the customer's slot for the order service's ids).
 * Every event payment consumes names its order; the correlation id (the order's too) otherwise.
 * @example paymentShardOf(orderPlaced, 4) === orderShard(orderPlaced.payload.orderId, 4)
 */
export function paymentShardOf(event: Envelope, shards: number): number {
  const orderId = (event.payload as { orderId?: unknown } | undefined)?.orderId;
  return orderShard(typeof orderId === "string" ? orderId : event.correlationId, shards);
}

/** The shard that holds the payment of `orderId`. */
export const orderShard = (orderId: string, shards: number): number => shardOfId(orderId, shards);
