import { keysetPage } from "../http/keyset-page";
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

/**
 * The keyset page a request asks for (`?after=&limit=`, `limit` at most `max`: keysetPage) over
 * every shard (pageOverShards): `read` reads one shard's first `limit` rows after `after`.
 * @example await keysetPageOverShards(c.env, c.req.url, 1000, (shard, after, limit) =>
 *   productPage(shard.DB, after, limit), (product) => product.sku);
 */
export function keysetPageOverShards<E extends object, R extends object>(
  env: E,
  url: string,
  max: number,
  read: (shard: OnShard<E>, after: string, limit: number) => Promise<R[]>,
  keyOf: (row: R) => string,
): Promise<{ rows: (R & { shard?: number })[]; next: string | null }> {
  const { after, limit } = keysetPage(url, max);
  return pageOverShards(env, limit, (shard) => read(shard, after, limit), keyOf);
}
