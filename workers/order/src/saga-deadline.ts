import {
  continueSaga,
  formatTraceparent,
  isConstraintError,
  type Logger,
  loggerFor,
  outboxInserts,
  RETRY_POLICIES,
  retryOnConflict,
  runBatch,
  sagaTraces,
  type TraceContext,
} from "@edge-saga/shared";
import { and, asc, eq, gt, lte, min } from "drizzle-orm";
import { type Database, database } from "./db/client";
import { changeStatements, findOrder, sagaStateOf } from "./db/order-store";
import { type OrderRow, orders } from "./db/tables";
import {
  DEFAULT_SAGA_DEADLINE_SECONDS,
  decideTimeout,
  nextDeadlineCheck,
  parseSagaDeadline,
} from "./domain/deadline";
import { orderEvent } from "./events/order-events";

/** Orders rejected per run at most: a long outage's backlog goes out a page per run. */
export const TIMEOUTS_PER_RUN = 50;

export interface DeadlineRun {
  /** Orders rejected TIMED_OUT by this run. */
  timedOut: string[];
  /** When the next run is due (epoch ms). */
  nextDueAt: number;
}

/** Causation of a timeout's change and event: no request or event caused it, the clock did. */
const causeOf = (orderId: string) => `saga-deadline:${orderId}`;

/**
 * Rejects every order still PENDING at its deadline (`placed + deadlineMs <= now`), each with
 * its OrderRejected in the outbox, and says when to look again. Reads two index seeks on
 * (status, created_at), never the whole table. Each rejection is guarded by the order's
 * version like every order write, so a reply that commits meanwhile wins and the order is
 * decided again on what it left.
 */
export async function rejectOverdueOrders(
  db: Database,
  now: number,
  deadlineMs: number,
  log?: Logger,
): Promise<DeadlineRun> {
  const cutoff = now - deadlineMs;
  const [overdue, rest] = await db.batch(pendingReads(db, cutoff));
  // No request caused a timeout: each continues its own saga's trace (none overdue: no read).
  const sagas = await sagaTraces(
    db,
    overdue.map((row) => row.id),
  );
  const spans = new Map(overdue.map((row) => [row.id, continueSaga(sagas.get(row.id)).span]));
  const timedOut = await commitTimeouts(db, overdue, { now, deadlineMs, spans });
  // An order that times out means a participant did not answer: worth an operator's look. A
  // line per order (at most a page a run), each in its saga's trace.
  for (const orderId of timedOut) {
    const span = spans.get(orderId);
    log?.warn("saga deadline passed: order rejected TIMED_OUT", {
      orderId,
      traceparent: span && formatTraceparent(span),
      deadlineSeconds: deadlineMs / 1000,
    });
  }
  // A full page may have left more behind: look again right away.
  const nextDueAt =
    overdue.length === TIMEOUTS_PER_RUN
      ? now
      : nextDeadlineCheck(rest[0]?.oldest ?? null, now, deadlineMs);
  return { timedOut, nextDueAt };
}

/**
 * The oldest orders PENDING since `cutoff` or before (a page), and when the oldest one placed
 * after it was placed: both seek the (status, created_at) index.
 */
export function pendingReads(db: Database, cutoff: number) {
  return [
    db
      .select()
      .from(orders)
      .where(and(eq(orders.status, "PENDING"), lte(orders.createdAt, cutoff)))
      .orderBy(asc(orders.createdAt))
      .limit(TIMEOUTS_PER_RUN),
    db
      .select({ oldest: min(orders.createdAt) })
      .from(orders)
      .where(and(eq(orders.status, "PENDING"), gt(orders.createdAt, cutoff))),
  ] as const;
}

/** When a run decides, and the span each order's rejection is written in. */
interface RunAt {
  now: number;
  deadlineMs: number;
  spans: Map<string, TraceContext>;
}

/** Statements rejecting `row` if it is due, else null. */
function timeoutOf(db: Database, row: OrderRow, { now, deadlineMs, spans }: RunAt) {
  const decision = decideTimeout(sagaStateOf(row), row.createdAt, now, deadlineMs);
  if (decision.kind === "ignore") return null;
  const causationId = causeOf(row.id);
  return [
    ...changeStatements(db, row, decision.state, {
      change: "SagaDeadline",
      cause: causationId,
      now,
    }),
    ...outboxInserts(
      db,
      [orderEvent(row, decision.event, row.version + 1, { causationId })],
      now,
      undefined,
      spans.get(row.id),
    ),
  ];
}

/**
 * All rejections in one batch (one D1 call). If a reply changed one of the orders since it was
 * read, its version lock rolls the batch back: then each order alone, on a fresh read.
 */
async function commitTimeouts(db: Database, rows: OrderRow[], at: RunAt): Promise<string[]> {
  const due = rows.flatMap((row) => {
    const statements = timeoutOf(db, row, at);
    return statements ? [{ row, statements }] : [];
  });
  try {
    await runBatch(
      db,
      due.flatMap((d) => d.statements),
    );
    return due.map((d) => d.row.id);
  } catch (error) {
    if (!isConstraintError(error)) throw error;
  }
  const timedOut: string[] = [];
  for (const { row } of due) if (await commitAlone(db, row.id, at)) timedOut.push(row.id);
  return timedOut;
}

/**
 * One order's timeout on a fresh read, read and decided again when a reply changed it meanwhile
 * (the kit's conflict policy); false when the order is no longer due (a reply decided it).
 * Still conflicting at the last round, it throws: the relay logs it and runs the deadline
 * again in a few seconds.
 */
function commitAlone(db: Database, orderId: string, at: RunAt): Promise<boolean> {
  return retryOnConflict({
    policy: RETRY_POLICIES.conflict,
    attempt: async () => {
      const row = await findOrder(db, orderId);
      const statements = row && timeoutOf(db, row, at);
      if (!statements) return false;
      await runBatch(db, statements);
      return true;
    },
  });
}

/**
 * The order relay's due work (`OutboxRelay.dueWork`): rejects the orders past the saga's
 * deadline, whose events the same relay run then publishes. Returns when it is next due.
 */
export async function runSagaDeadline(
  env: Pick<Env, "DB" | "LOG_LEVEL" | "SAGA_DEADLINE_SECONDS">,
  now: number,
): Promise<number> {
  const log = loggerFor(env, { service: "order" });
  let deadlineMs = parseSagaDeadline(env.SAGA_DEADLINE_SECONDS);
  if (deadlineMs === null) {
    // A typo must not switch the safety net off: the default applies, loudly.
    log.error("SAGA_DEADLINE_SECONDS is not a positive number; using the default", {
      value: env.SAGA_DEADLINE_SECONDS,
      defaultSeconds: DEFAULT_SAGA_DEADLINE_SECONDS,
    });
    deadlineMs = DEFAULT_SAGA_DEADLINE_SECONDS * 1000;
  }
  const run = await rejectOverdueOrders(database(env), now, deadlineMs, log);
  return run.nextDueAt;
}
