import { type Envelope, shardOf, shardOfId } from "@edge-saga/shared";

/**
 * Rewards lives by customer: an account is one ledger, so every event that changes it applies on
 * the customer's shard. Every event rewards consumes names its customer; the order's shard
 * (`shardOfId(orderId)`) is the same one for the order service's ids, which name their
 * customer's slot, and the customer's key keeps an account whole even for an id that does not.
 * @example rewardsShardOf(orderPlaced, 4) === customerShard(orderPlaced.payload.customerId, 4)
 */
export function rewardsShardOf(event: Envelope, shards: number): number {
  const customerId = (event.payload as { customerId?: unknown } | undefined)?.customerId;
  return typeof customerId === "string"
    ? customerShard(customerId, shards)
    : shardOfId(event.correlationId, shards);
}

/** The shard that holds `customerId`'s account, ledger, holds and awards. */
export const customerShard = (customerId: string, shards: number): number =>
  shardOf(customerId, shards);
