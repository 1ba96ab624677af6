import { assertShards } from "./shard-routing";

/**
 * A service's shards as configuration: the var SHARDS (default 1) and one D1 binding per
 * shard, `DB` for shard 0 (today's layout) and `DB_<i>` for the others. Code written for one
 * database runs on a shard through `onShard`, which hands it an env whose `DB` is that shard's.
 */
export const SHARDS_VAR = "SHARDS";

/** The D1 binding of `shard`: `DB`, `DB_1`, `DB_2` ... */
export function dbBindingOf(shard: number): string {
  return shard === 0 ? "DB" : `DB_${shard}`;
}

/** How many shards the service runs on: its SHARDS var, 1 when unset. Throws on a bad value. */
export function shardCount(env: unknown): number {
  const raw = (env as Record<string, unknown>)[SHARDS_VAR];
  if (raw === undefined || raw === null || raw === "") return 1;
  const shards = Number(raw);
  assertShards(shards);
  return shards;
}

/** An env scoped to one shard: `DB` is that shard's database, `SHARD` its number. */
export type OnShard<Env> = Env & { DB: D1Database; SHARD: number };

/**
 * `env` scoped to `shard`. Throws when the shard's binding is missing: a deployment whose
 * SHARDS says more than its bindings must fail loudly, not write to the wrong database.
 */
export function onShard<Env extends object>(env: Env, shard: number): OnShard<Env> {
  const count = shardCount(env);
  if (!Number.isInteger(shard) || shard < 0 || shard >= count)
    throw new RangeError(`shard ${shard} is not one of this service's ${count}`);
  const binding = dbBindingOf(shard);
  const db = (env as Record<string, unknown>)[binding] as D1Database | undefined;
  if (!db || typeof db.prepare !== "function")
    throw new Error(`SHARDS is ${count} but there is no D1 binding ${binding}`);
  return { ...env, DB: db, SHARD: shard };
}

/** The shard an env was scoped to (0 for an env that never was). */
export function shardOfEnv(env: unknown): number {
  const shard = (env as { SHARD?: unknown }).SHARD;
  return typeof shard === "number" ? shard : 0;
}

/** `env` scoped to each of its shards, in order. */
export function everyShard<Env extends object>(env: Env): OnShard<Env>[] {
  return Array.from({ length: shardCount(env) }, (_, shard) => onShard(env, shard));
}
