/**
 * D1 call counting for `npm run bench` (issue 12: "D1 calls per saga", the production cost:
 * every D1 call is a network round trip there). Only reachable through the kit admin route
 * `GET /admin/bench/d1-calls`, which exists only when BENCH_BASELINES_ENABLED is "true"
 * (shared/src/bench/baselines.ts): nothing is patched on a plain run, so it costs nothing.
 *
 * The first call patches the prototypes of the Worker's D1 binding in this isolate: every
 * D1Database `batch()` / `exec()` and every D1PreparedStatement `first()` / `all()` / `raw()` /
 * `run()` counts one call (one round trip to the database; `prepare()` and `bind()` do not
 * reach it). The prototypes are shared by every D1 binding object of the isolate, so the
 * Worker's fetch handler, its queue consumer and its Durable Objects (the relay) are all
 * counted: in local dev (workerd) the Durable Objects of a Worker run in its isolate. Not
 * counted: `withSession()` sessions' own `batch()` (nothing in this project uses sessions;
 * their statements' calls are counted).
 *
 * Per shard (issue 24): every read registers the shard binding objects it is given (`DB`,
 * `DB_1`, ... of the Worker's env). A statement made by a registered object's `prepare()` is
 * tagged with its shard, and `bind()` hands the tag on, so its first/all/raw/run count for
 * that shard, as do the object's own batch/exec. A call on an object the reads never saw
 * (another env's binding object, a statement prepared before the first read) counts as
 * `unattributed`: the per-shard figures then say how much they miss instead of guessing.
 *
 * Counts live as long as the isolate: `isolate` is a fresh id per patch, so a reader that sees
 * it change between two reads knows the Worker was restarted and the difference is not valid.
 */

const STATE = Symbol.for("edge-saga.bench.d1-call-counts");

export const D1_DATABASE_METHODS = ["batch", "exec"] as const;
export const D1_STATEMENT_METHODS = ["first", "all", "raw", "run"] as const;
type CountedMethod = (typeof D1_DATABASE_METHODS)[number] | (typeof D1_STATEMENT_METHODS)[number];

export interface D1CallCounts {
  /** Id of this patch (one per isolate lifetime): compare two reads' ids before subtracting. */
  isolate: string;
  /** When the counting started (epoch ms). */
  since: number;
  /** Every call that reached the database. */
  total: number;
  byMethod: Record<CountedMethod, number>;
  /** Calls per shard, by shard number (as many as the read named shards). */
  byShard: number[];
  /** Calls on binding objects (or their statements) no read registered: in `total`, in no shard. */
  unattributed: number;
}

interface State {
  isolate: string;
  since: number;
  byMethod: Record<CountedMethod, number>;
  byShard: number[];
  unattributed: number;
  /** Binding objects and the statements they made, to their shard. */
  shardOf: WeakMap<object, number>;
}

type Patchable = Record<PropertyKey, unknown>;

function redefine(proto: Patchable, method: string, value: unknown): void {
  Object.defineProperty(proto, method, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function count(proto: Patchable, method: CountedMethod, state: State): void {
  const original = proto[method];
  if (typeof original !== "function") return;
  redefine(proto, method, function (this: object, ...args: unknown[]) {
    state.byMethod[method]++;
    const shard = state.shardOf.get(this);
    if (shard === undefined) state.unattributed++;
    else state.byShard[shard] = (state.byShard[shard] ?? 0) + 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  });
}

/** `method` (prepare, bind) returns a new statement: it inherits the caller's shard tag. */
function tagResult(proto: Patchable, method: "prepare" | "bind", state: State): void {
  const original = proto[method];
  if (typeof original !== "function") return;
  redefine(proto, method, function (this: object, ...args: unknown[]) {
    const made = (original as (...a: unknown[]) => unknown).apply(this, args);
    const shard = state.shardOf.get(this);
    if (shard !== undefined && typeof made === "object" && made !== null)
      state.shardOf.set(made, shard);
    return made;
  });
}

/**
 * Starts counting the D1 calls of this isolate (once; later calls only read) and returns the
 * counts so far. `db` is any D1 binding of the Worker: its prototypes are the ones patched.
 * `shards`: the Worker's binding object of each shard, in shard order (default `[db]`);
 * registered on every read, so calls through them count per shard from then on.
 */
export function countD1Calls(db: D1Database, shards: readonly D1Database[] = [db]): D1CallCounts {
  const dbProto = Object.getPrototypeOf(db) as Patchable;
  let state = dbProto[STATE] as State | undefined;
  if (!state) {
    // prepare() only builds the statement object: it does not reach the database.
    const stmtProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as Patchable;
    const fresh: State = {
      isolate: crypto.randomUUID(),
      since: Date.now(),
      byMethod: { batch: 0, exec: 0, first: 0, all: 0, raw: 0, run: 0 },
      byShard: [],
      unattributed: 0,
      shardOf: new WeakMap(),
    };
    for (const method of D1_DATABASE_METHODS) count(dbProto, method, fresh);
    for (const method of D1_STATEMENT_METHODS) count(stmtProto, method, fresh);
    tagResult(dbProto, "prepare", fresh);
    tagResult(stmtProto, "bind", fresh);
    Object.defineProperty(dbProto, STATE, { value: fresh, configurable: true });
    state = fresh;
  }
  for (const [shard, binding] of shards.entries()) {
    state.shardOf.set(binding, shard);
    state.byShard[shard] ??= 0;
  }
  const byMethod = { ...state.byMethod };
  return {
    isolate: state.isolate,
    since: state.since,
    total: Object.values(byMethod).reduce((sum, n) => sum + n, 0),
    byMethod,
    byShard: Array.from({ length: shards.length }, (_, shard) => state.byShard[shard] ?? 0),
    unattributed: state.unattributed,
  };
}
