import type { Envelope } from "@edge-saga/shared";
import { shardsOf } from "@edge-saga/shared";

/**
 * The inventory shards an event applies on (defineService's `shardOf`). Stock is keyed by SKU:
 * OrderPlaced goes to the shards of its lines' SKUs. The order's outcome carries no lines, so it
 * goes to every shard; each settles what it holds for the order and writes nothing for a confirm
 * it holds nothing for (a rejection or cancel leaves a tombstone, see prune-tombstones.ts).
 * A payload that cannot say throws: the kit then sends it to shard 0, which dead-letters it.
 */
export function inventoryShardsOf(event: Envelope, shards: number): number[] {
  if (event.type === "OrderPlaced") {
    const { items } = event.payload as { items: { sku: string }[] };
    return shardsOf(
      items.map((item) => item.sku),
      shards,
    );
  }
  return Array.from({ length: shards }, (_, shard) => shard);
}
