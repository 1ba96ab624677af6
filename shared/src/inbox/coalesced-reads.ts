/**
 * Reads of many concurrent handlers, sent to D1 as one `batch()` call.
 *
 * The inbox consumer runs the handlers of a round of messages at once. Each handler reads
 * through a D1 binding from `coalescedReads`; a read is held until every handler still
 * running is waiting on a read (or has finished), then all held reads go out as one batch:
 * one round trip per read step of the whole round instead of one per read per message.
 * Handlers need no change: they use drizzle as usual.
 *
 * A `batch()` of SELECTs (a handler reading two tables in one transaction) is held the same
 * way and stays in one batch. Writes (`run`, a `batch()` that writes, `exec`) pass straight
 * through. If the combined batch fails (one bad query), each held read is retried on its own
 * so only its own handler sees the error.
 * Like drizzle's own D1 batch, `raw()` rows are rebuilt from column names: a query must not
 * select two columns of the same name.
 */
export interface CoalescedReads {
  /** The binding handlers read through. */
  d1: D1Database;
  /** Runs every task at once; reads made by them are coalesced until all have settled. */
  runAll<T>(tasks: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]>;
  /**
   * A read that only rides along: it goes out with the first batch of the tasks' reads, and
   * answers undefined (never sent) if the tasks read nothing. Call it before `runAll`.
   */
  ride(statement: D1PreparedStatement): Promise<D1Result | undefined>;
}

type ReadMode = "all" | "raw" | "first";

interface HeldRead {
  statement: D1PreparedStatement;
  mode: ReadMode;
  column?: string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** @example const reads = coalescedReads(env.DB); await reads.runAll(messages.map((m) => () => decide(m, drizzle(reads.d1)))) */
export function coalescedReads(d1: D1Database): CoalescedReads {
  let running = 0;
  // Calls waiting for their reads (a held batch is one call): the barrier counts callers.
  let waiting = 0;
  let held: HeldRead[] = [];
  let rider: HeldRead | undefined;

  let flushScheduled = false;
  // Checked once the current microtasks ran, so reads a handler starts together (Promise.all)
  // are all held before the batch goes.
  const flushWhenAllWait = () => {
    if (flushScheduled || held.length === 0 || waiting < running) return;
    flushScheduled = true;
    setTimeout(() => {
      flushScheduled = false;
      const reads = rider ? [rider, ...held] : held;
      rider = undefined;
      held = [];
      waiting = 0;
      void sendReads(d1, reads);
    }, 0);
  };

  const holdOne = (statement: D1PreparedStatement, mode: ReadMode, column?: string) =>
    new Promise<unknown>((resolve, reject) => {
      held.push({ statement, mode, column, resolve, reject });
    });

  const hold = (statement: D1PreparedStatement, mode: ReadMode, column?: string) => {
    const read = holdOne(statement, mode, column);
    waiting++;
    flushWhenAllWait();
    return read;
  };

  class CoalescedStatement {
    constructor(
      readonly real: D1PreparedStatement,
      readonly query: string,
    ) {}
    bind(...values: unknown[]) {
      return new CoalescedStatement(this.real.bind(...values), this.query);
    }
    all() {
      return hold(this.real, "all");
    }
    raw() {
      return hold(this.real, "raw");
    }
    first(column?: string) {
      return hold(this.real, "first", column);
    }
    run() {
      return this.real.run();
    }
  }

  const unwrap = (statement: unknown) =>
    statement instanceof CoalescedStatement ? statement.real : (statement as D1PreparedStatement);

  const isRead = (statement: unknown) =>
    statement instanceof CoalescedStatement && /^\s*select\b/i.test(statement.query);

  const binding = {
    prepare: (query: string) => new CoalescedStatement(d1.prepare(query), query),
    batch: (statements: unknown[]) => {
      if (statements.length === 0 || !statements.every(isRead))
        return d1.batch(statements.map(unwrap));
      const reads = Promise.all(statements.map((s) => holdOne(unwrap(s), "all")));
      waiting++;
      flushWhenAllWait();
      return reads;
    },
    exec: (query: string) => d1.exec(query),
    dump: () => d1.dump(),
  };

  return {
    d1: binding as unknown as D1Database,
    ride(statement) {
      return new Promise((resolve, reject) => {
        rider = { statement, mode: "all", resolve: resolve as (value: unknown) => void, reject };
      });
    },
    async runAll(tasks) {
      // Counted before any starts: the first read must wait for the others' reads.
      running += tasks.length;
      const settled = await Promise.allSettled(
        tasks.map(async (task) => {
          try {
            return await task();
          } finally {
            running--;
            flushWhenAllWait();
          }
        }),
      );
      // Nobody read: the rider was not worth a call of its own.
      rider?.resolve(undefined);
      rider = undefined;
      return settled;
    },
  };
}

async function sendReads(d1: D1Database, reads: HeldRead[]): Promise<void> {
  if (reads.length > 1) {
    let results: D1Result[] | undefined;
    try {
      results = await d1.batch(reads.map((read) => read.statement));
    } catch {
      // One bad query fails the whole batch: fall through and run each on its own.
    }
    if (results) {
      for (const [i, read] of reads.entries()) read.resolve(shape(read, results[i] as D1Result));
      return;
    }
  }
  await Promise.all(
    reads.map(async (read) => {
      try {
        read.resolve(shape(read, await read.statement.all()));
      } catch (error) {
        read.reject(error);
      }
    }),
  );
}

/** What the statement method the handler called would have answered. */
function shape(read: HeldRead, result: D1Result): unknown {
  const rows = (result.results ?? []) as Record<string, unknown>[];
  if (read.mode === "all") return result;
  if (read.mode === "raw") return rows.map((row) => Object.values(row));
  const row = rows[0];
  if (row === undefined) return null;
  return read.column === undefined ? row : (row[read.column] ?? null);
}
