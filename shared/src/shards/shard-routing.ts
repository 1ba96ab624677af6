/**
 * Where a key lives: the one routing rule every sharded service uses. A key hashes to one of
 * SLOTS slots (FNV-1a, 32 bits); slot `s` lives on shard `s % shards`. Going from N to 2N
 * shards then splits each shard in two (its slots go to `i` or `i + N`) and moves nothing
 * between the others (docs/decisions.md, growing the shards).
 */
export const SLOTS = 256;
/** The most shards a service can have: one slot each. */
export const MAX_SHARDS = SLOTS;

/** The slot of `key`: FNV-1a over its UTF-16 code units, folded to [0, SLOTS). */
export function slotOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // Fold the high bits in: FNV's low byte alone spreads short keys poorly.
  return ((hash >>> 24) ^ (hash >>> 16) ^ (hash >>> 8) ^ hash) & (SLOTS - 1);
}

/** The shard that holds `slot` among `shards`. */
export function shardOfSlot(slot: number, shards: number): number {
  assertShards(shards);
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS)
    throw new RangeError(`slot must be an integer in [0, ${SLOTS}), got ${slot}`);
  return slot % shards;
}

/** The shard that holds `key` among `shards`. */
export function shardOf(key: string, shards: number): number {
  return shardOfSlot(slotOf(key), shards);
}

/** The shards `keys` live on, each once, in ascending order. */
export function shardsOf(keys: Iterable<string>, shards: number): number[] {
  return [...new Set([...keys].map((key) => shardOf(key, shards)))].sort((a, b) => a - b);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A UUID made to name `slot` in its last two hex digits, so that the id alone finds its shard
 * (an order id names its customer's slot: `GET /orders/{id}` needs no lookup). The other 120
 * bits keep ids unique.
 * @example withSlot(newId(), slotOf(customerId))
 */
export function withSlot(uuid: string, slot: number): string {
  shardOfSlot(slot, 1); // validates the slot
  if (!UUID.test(uuid.toLowerCase())) throw new Error(`withSlot: "${uuid}" is not a UUID`);
  return `${uuid.slice(0, -2)}${slot.toString(16).padStart(2, "0")}`;
}

/** The slot a UUID names in its last two hex digits (`withSlot`); any other id hashes like a key. */
export function slotOfId(id: string): number {
  const lower = id.toLowerCase();
  return UUID.test(lower) ? Number.parseInt(lower.slice(-2), 16) : slotOf(id);
}

/** The shard that holds the entity `id` (from `withSlot`) among `shards`. */
export function shardOfId(id: string, shards: number): number {
  return shardOfSlot(slotOfId(id), shards);
}

export function assertShards(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    throw new RangeError(`shards must be an integer in [1, ${MAX_SHARDS}], got ${shards}`);
}
