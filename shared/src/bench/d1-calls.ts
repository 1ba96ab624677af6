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
}

interface State {
  isolate: string;
  since: number;
  byMethod: Record<CountedMethod, number>;
}

type Patchable = Record<PropertyKey, unknown>;

function wrap(proto: Patchable, method: CountedMethod, state: State): void {
  const original = proto[method];
  if (typeof original !== "function") return;
  const counted = function (this: unknown, ...args: unknown[]) {
    state.byMethod[method]++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(proto, method, {
    value: counted,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/**
 * Starts counting the D1 calls of this isolate (once; later calls only read) and returns the
 * counts so far. `db` is any D1 binding of the Worker: its prototypes are the ones patched.
 */
export function countD1Calls(db: D1Database): D1CallCounts {
  const dbProto = Object.getPrototypeOf(db) as Patchable;
  let state = dbProto[STATE] as State | undefined;
  if (!state) {
    // prepare() only builds the statement object: it does not reach the database.
    const stmtProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as Patchable;
    const fresh: State = {
      isolate: crypto.randomUUID(),
      since: Date.now(),
      byMethod: { batch: 0, exec: 0, first: 0, all: 0, raw: 0, run: 0 },
    };
    for (const method of D1_DATABASE_METHODS) wrap(dbProto, method, fresh);
    for (const method of D1_STATEMENT_METHODS) wrap(stmtProto, method, fresh);
    Object.defineProperty(dbProto, STATE, { value: fresh, configurable: true });
    state = fresh;
  }
  const byMethod = { ...state.byMethod };
  return {
    isolate: state.isolate,
    since: state.since,
    total: Object.values(byMethod).reduce((sum, n) => sum + n, 0),
    byMethod,
  };
}
