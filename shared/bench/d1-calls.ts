/**
 * D1 call counting for `npm run bench` (issue 12: "D1 calls per saga", the production cost:
 * every D1 call is a network round trip there) and rows read and written (issue 25: what D1
 * bills). Only a bench entry (bench-worker.ts) calls it, so a production Worker is never patched.
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
 * Rows: every result's `meta.rows_read` / `meta.rows_written`, summed where the binding reads
 * them (the session's internal `_send`, which every call above goes through, since `first()` and
 * `raw()` drop the meta they got). A runtime without it reports rows as null, never a guess.
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
  /** Rows read, as D1 bills them (`meta.rows_read`); null where the runtime hides them. */
  rowsRead: number | null;
  rowsWritten: number | null;
  /** Rows read and written per shard, by shard number (rows of an unregistered binding in none). */
  rowsReadByShard: number[] | null;
  rowsWrittenByShard: number[] | null;
}

interface State {
  isolate: string;
  since: number;
  byMethod: Record<CountedMethod, number>;
  byShard: number[];
  unattributed: number;
  rows: {
    counted: boolean;
    read: number;
    written: number;
    readByShard: number[];
    writtenByShard: number[];
  };
  /** Binding objects, their sessions and the statements they made, to their shard. */
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

interface D1Meta {
  rows_read?: unknown;
  rows_written?: unknown;
}

/** Sums the rows of every result `_send` answers (one, or one per statement of a batch). */
function countRows(db: D1Database, state: State): void {
  const session = (db as unknown as { alwaysPrimarySession?: object }).alwaysPrimarySession;
  let proto = session ? (Object.getPrototypeOf(session) as Patchable | null) : null;
  while (proto && !Object.hasOwn(proto, "_send")) proto = Object.getPrototypeOf(proto);
  const original = proto?._send;
  if (!proto || typeof original !== "function") return;
  const { rows } = state;
  rows.counted = true;
  redefine(proto, "_send", async function (this: object, ...args: unknown[]) {
    const answer = await (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    const shard = state.shardOf.get(this);
    for (const result of Array.isArray(answer) ? answer : [answer]) {
      const meta = (result as { meta?: D1Meta } | null)?.meta;
      const read = typeof meta?.rows_read === "number" ? meta.rows_read : 0;
      const written = typeof meta?.rows_written === "number" ? meta.rows_written : 0;
      rows.read += read;
      rows.written += written;
      if (shard === undefined) continue;
      rows.readByShard[shard] = (rows.readByShard[shard] ?? 0) + read;
      rows.writtenByShard[shard] = (rows.writtenByShard[shard] ?? 0) + written;
    }
    return answer;
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
      rows: { counted: false, read: 0, written: 0, readByShard: [], writtenByShard: [] },
      shardOf: new WeakMap(),
    };
    for (const method of D1_DATABASE_METHODS) count(dbProto, method, fresh);
    for (const method of D1_STATEMENT_METHODS) count(stmtProto, method, fresh);
    tagResult(dbProto, "prepare", fresh);
    tagResult(stmtProto, "bind", fresh);
    countRows(db, fresh);
    Object.defineProperty(dbProto, STATE, { value: fresh, configurable: true });
    state = fresh;
  }
  for (const [shard, binding] of shards.entries()) {
    state.shardOf.set(binding, shard);
    const session = (binding as unknown as { alwaysPrimarySession?: object }).alwaysPrimarySession;
    if (session) state.shardOf.set(session, shard);
    state.byShard[shard] ??= 0;
  }
  const byMethod = { ...state.byMethod };
  const { rows } = state;
  const perShard = (counts: number[]) =>
    Array.from({ length: shards.length }, (_, shard) => counts[shard] ?? 0);
  return {
    isolate: state.isolate,
    since: state.since,
    total: Object.values(byMethod).reduce((sum, n) => sum + n, 0),
    byMethod,
    byShard: perShard(state.byShard),
    unattributed: state.unattributed,
    rowsRead: rows.counted ? rows.read : null,
    rowsWritten: rows.counted ? rows.written : null,
    rowsReadByShard: rows.counted ? perShard(rows.readByShard) : null,
    rowsWrittenByShard: rows.counted ? perShard(rows.writtenByShard) : null,
  };
}
