import { everyShard, type OnShard } from "./shard-env";

/**
 * One keyset page (`?after=&limit=`) over every shard of a service: each shard reads its own
 * first `limit` rows after the key, and the page is the first `limit` of them all by key, so
 * paging on with `next` misses nothing and repeats nothing. On several shards each row says
 * where it lives (`shard`); on one, rows are exactly what the shard read.
 * @example const { rows, next } = await pageOverShards(c.env, limit, readPage, (row) => row.orderId);
 */
export async function pageOverShards<E extends object, R extends object>(
  env: E,
  limit: number,
  read: (shard: OnShard<E>) => Promise<R[]>,
  keyOf: (row: R) => string,
): Promise<{ rows: (R & { shard?: number })[]; next: string | null }> {
  const shards = everyShard(env);
  const found = await Promise.all(
    shards.map(async (env) => (await read(env)).map((row) => ({ row, shard: env.SHARD }))),
  );
  // Binary order of the keys, as SQLite's ORDER BY on text sorts them.
  const byKey = (a: { row: R }, b: { row: R }) =>
    keyOf(a.row) < keyOf(b.row) ? -1 : keyOf(a.row) > keyOf(b.row) ? 1 : 0;
  const page = found.flat().sort(byKey).slice(0, limit);
  const last = page.at(-1);
  return {
    rows:
      shards.length === 1
        ? page.map(({ row }) => row)
        : page.map(({ row, shard }) => ({ ...row, shard })),
    next: page.length === limit && last ? keyOf(last.row) : null,
  };
}
