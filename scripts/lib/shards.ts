/**
 * Shards as the tools write them into configs (local stacks and deploys alike): the kit's
 * layout (shared/src/shards/shard-env.ts) of D1 bindings `DB` (shard 0), `DB_1` ... `DB_{N-1}`
 * and the var `SHARDS`. Restated here because the kit's module needs the Workers' types, which
 * Node-side tools do not load; scripts/test/shards.test.ts holds both to the same values.
 */

/** The kit's MAX_SHARDS: one slot per shard at most. */
export const MAX_SHARDS = 256;
/** The var that tells a service how many shards it has. */
export const SHARDS_VAR = "SHARDS";

/** The D1 binding of `shard`, as the kit's `dbBindingOf`. */
export const dbBindingOf = (shard: number) => (shard === 0 ? "DB" : `DB_${shard}`);

/** Why `shards` cannot be a shard count, or null if it can. */
export function shardsProblem(shards: unknown): string | null {
  if (typeof shards !== "number" || !Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS)
    return `shards must be an integer from 1 to ${MAX_SHARDS}, got ${JSON.stringify(shards)}`;
  return null;
}

/** `shards` if it is a shard count; throws with a clear sentence otherwise. */
export function assertShards(shards: unknown): number {
  const problem = shardsProblem(shards);
  if (problem) throw new RangeError(problem);
  return shards as number;
}

/**
 * A shard count from a command line or the environment (`--shards 4`, `E2E_SHARDS=4`):
 * `fallback` when absent or empty; anything but a whole number from 1 to 256 throws, naming `what`.
 */
export function parseShards(text: string | undefined, what = "--shards", fallback = 1): number {
  if (text === undefined || text.trim() === "") return fallback;
  const shards = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (shardsProblem(shards))
    throw new RangeError(
      `${what} must be a whole number from 1 to ${MAX_SHARDS}, got ${JSON.stringify(text)}`,
    );
  return shards;
}

/** A D1 binding as a wrangler config declares it. */
export interface D1Binding {
  binding?: string;
  database_name?: string;
  database_id?: string;
  migrations_dir?: string;
  [key: string]: unknown;
}

/** The parts of a config that shards change. */
export interface ShardableConfig {
  vars?: Record<string, unknown>;
  d1_databases?: D1Binding[];
  [key: string]: unknown;
}

/**
 * `config` on `shards` databases: its `DB` binding first as it is (shard 0), then `DB_1` ...
 * with the same migrations, named and identified by `nameOf(i)` / `idOf(i)`, and `SHARDS` in its
 * vars. One shard: `config` itself, unchanged (no SHARDS var: a service without it runs as before).
 */
export function withShardBindings<C extends ShardableConfig>(
  config: C,
  shards: number,
  ids: { nameOf: (shard: number) => string; idOf: (shard: number) => string },
): C {
  assertShards(shards);
  if (shards === 1) return config;
  const databases = config.d1_databases ?? [];
  const first = databases.find((database) => database.binding === dbBindingOf(0));
  if (!first) throw new Error(`the config has no D1 binding ${dbBindingOf(0)} to shard`);
  const taken = databases.filter((d) => /^DB_\d+$/.test(d.binding ?? "")).map((d) => d.binding);
  if (taken.length > 0)
    throw new Error(`the config already has shard bindings (${taken.join(", ")})`);
  const extra = Array.from({ length: shards - 1 }, (_, i) => ({
    ...first,
    binding: dbBindingOf(i + 1),
    database_name: ids.nameOf(i + 1),
    database_id: ids.idOf(i + 1),
  }));
  return {
    ...config,
    vars: { ...config.vars, [SHARDS_VAR]: String(shards) },
    d1_databases: [...databases, ...extra],
  };
}

/** The local name and id of shard `i` of a database (shard 0 keeps the committed ones). */
export const localShardName = (name: string, shard: number) =>
  shard === 0 ? name : `${name}-shard-${shard}`;
export const localShardId = (id: string, shard: number) =>
  shard === 0 ? id : `${id}-shard-${shard}`;
