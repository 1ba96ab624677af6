import { shardOf, shardOfId } from "@edge-saga/shared";
import type { OnShard, ShardRef, SystemSnapshot } from "./snapshot";

type Add = (invariant: number, kind: string, id: string, detail?: string, where?: ShardRef) => void;

/** Where a row was read, when its service runs on several shards (the row names its shard). */
export const at = (service: string, row: OnShard): ShardRef | undefined =>
  row.shard === undefined ? undefined : { service, shard: row.shard };

/** How an operator reads a shard: "inventory shard 1". */
export const labelOf = (ref: ShardRef) => `${ref.service} shard ${ref.shard}`;

/** `rows` by key, in the order keys first appear. */
export function groupBy<R, K>(rows: readonly R[], keyOf: (row: R) => K): Map<K, R[]> {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const key = keyOf(row);
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return groups;
}

/**
 * How many shards each service runs on, from its kit `/admin/outbox` (one entry per shard);
 * only the services that say so.
 */
export function shardCounts(s: SystemSnapshot): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [service, outbox] of Object.entries(s.outbox))
    if (outbox.shards) counts[service] = outbox.shards.length;
  return counts;
}

/**
 * The shard invariants (design.md "Shards"), over rows that name their shard: each key lives
 * on one shard only (a second copy would be read as two), and on the one the kit's routing
 * gives it, so a request for it finds it there: an order on the shard its id names, a SKU on
 * its own, an account on its customer's. Each finding names the shard it was read on, beside
 * the invariant the key's figures belong to. Returns the counts: shards per service, and
 * pending rows and open dead letters per shard, when some service runs on several.
 */
export function checkShards(s: SystemSnapshot, add: Add): Record<string, Record<string, number>> {
  const shards = shardCounts(s);
  const placed = <R extends OnShard>(
    invariant: number,
    service: string,
    noun: string,
    rows: readonly R[],
    keyOf: (row: R) => string,
    route: (key: string, shards: number) => number,
  ) => {
    const n = shards[service] ?? 1;
    for (const [key, copies] of groupBy(rows, keyOf)) {
      const on = copies.filter((r) => r.shard !== undefined);
      if (copies.length > 1)
        for (const copy of copies)
          add(
            invariant,
            `${noun} found on more than one ${service} shard`,
            key,
            `${key} on ${on.map((r) => r.shard).join(", ")}`,
            at(service, copy),
          );
      for (const row of on)
        if (n > 1 && route(key, n) !== row.shard)
          add(
            invariant,
            `${noun} on ${service} shards their key does not route to`,
            key,
            `${key} on ${row.shard}, routes to ${route(key, n)}`,
            at(service, row),
          );
    }
  };
  placed(1, "order", "orders", s.orders, (o) => o.id, shardOfId);
  placed(2, "inventory", "SKUs", s.products, (p) => p.sku, shardOf);
  placed(4, "rewards", "accounts", s.accounts, (a) => a.customerId, shardOf);
  placed(7, "view", "view rows", s.view, (v) => v.id, shardOfId);
  if (s.payment) placed(7, "payment", "payments", s.payment.payments, (p) => p.orderId, shardOfId);

  if (!Object.values(shards).some((n) => n > 1)) return {};
  const outboxPendingByShard: Record<string, number> = {};
  for (const [service, outbox] of Object.entries(s.outbox))
    for (const part of outbox.shards ?? [])
      outboxPendingByShard[labelOf({ service, shard: part.shard })] = part.pending;
  const deadLettersByShard: Record<string, number> = {};
  for (const [service, letters] of Object.entries(s.deadLetters))
    for (const letter of letters)
      if (letter.resolvedAt === null) {
        const label = labelOf({ service, shard: letter.shard ?? 0 });
        deadLettersByShard[label] = (deadLettersByShard[label] ?? 0) + 1;
      }
  return { shards, outboxPendingByShard, deadLettersByShard };
}
