import type { StockLine } from "./merge-lines";
import type { ReservationStatus } from "./reservation-lifecycle";

/** One shard's answer to a keyset page: its first `limit` rows after the page's key. */
export interface ShardPage<R> {
  shard: number;
  rows: R[];
}

export interface ReservationRow {
  orderId: string;
  status: string;
  lines: StockLine[];
}

/** What one shard did for an order: the per-shard detail of a merged reservation. */
export interface ShardReservation {
  shard: number;
  status: string;
  lines: StockLine[];
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One keyset page over every shard from each shard's own page (`key > after`, by key,
 * `limit` rows): the first `limit` keys of their union. Each shard's rows up to the page's last
 * key are all in hand, since any shard that returned a full page holds `limit` keys at or below
 * its own last one. `next` is null only when no shard can have more, as on one database.
 */
export function mergeKeysetPages<R>(
  pages: readonly ShardPage<R>[],
  keyOf: (row: R) => string,
  limit: number,
): { keys: string[]; rows: (R & { shard: number })[]; next: string | null } {
  const rows = pages
    .flatMap(({ shard, rows }) => rows.map((row) => ({ ...row, shard })))
    .sort((a, b) => byKey(keyOf(a), keyOf(b)) || a.shard - b.shard);
  const keys = [...new Set(rows.map(keyOf))].slice(0, limit);
  const last = keys.at(-1);
  return {
    keys,
    rows: last === undefined ? [] : rows.filter((row) => keyOf(row) <= last),
    next: keys.length === limit && last !== undefined ? last : null,
  };
}

/** Statuses by how much they hold: the first one present wins. */
const precedence: readonly ReservationStatus[] = [
  "RESERVED",
  "SOLD",
  "FAILED",
  "RELEASED",
  "CANCELLED",
];

/**
 * The status to show for an order whose reservation is spread over shards: the one that holds
 * units first (RESERVED, then SOLD), so that a checker reading one status per order still sees
 * a shard that holds what it should not. Shards that agree show their common status; a shard
 * that never got the order's lines shows only a tombstone (RELEASED or CANCELLED), which
 * agrees with the involved shards of a rejected or cancelled order.
 */
export function combinedStatus(statuses: readonly string[]): string {
  const first = statuses[0] ?? "";
  if (statuses.every((s) => s === first)) return first;
  return precedence.find((s) => statuses.includes(s)) ?? first;
}

/** Rows of the same order from several shards as one: lines together, per-shard detail kept. */
export function mergeReservations(
  rows: readonly (ReservationRow & { shard: number })[],
): (ReservationRow & { shards: ShardReservation[] })[] {
  const byOrder = new Map<string, ShardReservation[]>();
  for (const { orderId, shard, status, lines } of rows) {
    const list = byOrder.get(orderId) ?? [];
    list.push({ shard, status, lines });
    byOrder.set(orderId, list);
  }
  return [...byOrder].map(([orderId, shards]) => ({
    orderId,
    status: combinedStatus(shards.map((s) => s.status)),
    lines: shards.flatMap((s) => s.lines).sort((a, b) => byKey(a.sku, b.sku)),
    shards,
  }));
}
