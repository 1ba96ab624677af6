import type { InvocationCounts } from "@edge-saga/shared/bench/counts";
import { round } from "./stats";
import { type BenchClient, benchApi, expectOk, historyPolls } from "./workloads";

/**
 * D1 calls per saga (issue 12): every call that reaches a service's D1 database (one `batch()`
 * = 1, one statement's first/all/raw/run = 1, `exec` = 1), counted inside each service's
 * isolate by the bench route `GET /admin/bench/d1-calls` (shared/bench/bench-routes.ts, served
 * only by the bench entry the local stack runs with BENCH_BASELINES_ENABLED), read through the gateway's `/admin/{service}/...`
 * pass-through before and after a saga run. The bench's own polls of
 * `GET /orders/{id}/history` are reads of the order service's D1 too: their cost (measured
 * once per run with `historyCallCost`) times the number sent is subtracted from the order
 * service's count.
 */

export const D1_SERVICES = ["order", "inventory", "rewards", "payment", "view"] as const;
export type D1Service = (typeof D1_SERVICES)[number];

interface ServiceCount {
  isolate: string;
  total: number;
  /** Calls per shard (absent on a commit before shards). */
  byShard?: number[];
  /** Calls no shard could be named for (absent on a commit before shards). */
  unattributed?: number;
  /** Queue messages this Worker sent: events (relay) and delivery receipts (consumer). */
  queueMessages: { isolate: string; events: number; receipts: number } | null;
  /**
   * Invocations by kind in this Worker's isolate (its Durable Objects too), bench routes aside;
   * DO fetch/RPC counted where called. Absent on a commit before issue 25.
   */
  invocations?: InvocationCounts;
  /** `send` and `sendBatch` calls this Worker made. */
  queueCalls?: { send: number; sendBatch: number } | null;
  /** Billed queue operations (per 64 KB): written by its sends, read and deleted by its consumer. */
  queueOperations?: { write: number; read: number; delete: number };
  /** D1 rows read and written (`meta.rows_read` / `rows_written`), in all and per shard; null: not visible. */
  d1RowsRead?: number | null;
  d1RowsWritten?: number | null;
  d1RowsReadByShard?: number[] | null;
  d1RowsWrittenByShard?: number[] | null;
}
export type D1Snapshot = Record<D1Service, ServiceCount>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every service's count so far (the first read starts the counting in that isolate). */
export async function readD1Calls(client: BenchClient): Promise<D1Snapshot> {
  const entries = await Promise.all(
    D1_SERVICES.map(async (service) => {
      const body = (await expectOk(client, [200], "GET", `/admin/${service}/bench/d1-calls`, {
        admin: true,
      })) as ServiceCount;
      const { isolate, total, byShard, unattributed, queueMessages, invocations } = body;
      const { queueCalls, queueOperations, d1RowsRead, d1RowsWritten } = body;
      const { d1RowsReadByShard, d1RowsWrittenByShard } = body;
      return [
        service,
        {
          isolate,
          total,
          byShard,
          unattributed,
          queueMessages,
          invocations,
          queueCalls,
          queueOperations,
          d1RowsRead,
          d1RowsWritten,
          d1RowsReadByShard,
          d1RowsWrittenByShard,
        },
      ] as const;
    }),
  );
  return Object.fromEntries(entries) as D1Snapshot;
}

const sum = (s: D1Snapshot) => D1_SERVICES.reduce((n, service) => n + s[service].total, 0);

/**
 * The counts once the system is quiet: read until two reads `quietMs` apart agree (the last
 * relay sends and consumer commits of the previous work are done), at most `maxMs`.
 */
export async function settledD1Calls(
  client: BenchClient,
  quietMs = 300,
  maxMs = 5_000,
): Promise<D1Snapshot> {
  const deadline = Date.now() + maxMs;
  let last = await readD1Calls(client);
  for (;;) {
    await sleep(quietMs);
    const next = await readD1Calls(client);
    if (sum(next) === sum(last) || Date.now() > deadline) return next;
    last = next;
  }
}

/**
 * D1 calls one `GET /orders/{id}/history` costs the order service (mean of `n` sequential
 * calls). `idlePerSecond`: the order service's calls per second when nothing is asked of it
 * (its relays' own rounds, one per shard), taken out for the time the measurement took.
 */
export async function historyCallCost(
  client: BenchClient,
  orderId: string,
  n = 10,
  idlePerSecond = 0,
): Promise<number> {
  const before = await settledD1Calls(client);
  const started = Date.now();
  // As the order's customer, as the bench's own polls go (benchApi remembers whose it is).
  for (let i = 0; i < n; i++) await benchApi(client).getHistory(orderId);
  const after = await settledD1Calls(client);
  const idle = (idlePerSecond * (Date.now() - started)) / 1000;
  return round(Math.max(0, after.order.total - before.order.total - idle) / n, 2);
}

export interface D1PerSaga {
  /** Sagas the run completed (the divisor). */
  sagas: number;
  /** Calls per saga, all services (D1_SERVICES); null if a service restarted during the run. */
  total: number | null;
  services: Record<D1Service, number | null>;
  /** Raw differences of the counts over the run (order: before the polls were subtracted). */
  calls: Record<D1Service, number | null>;
  historyPolls: number;
  historyCallCost: number;
  /** Queue messages per saga, all services: events sent by relays, receipts by consumers. */
  queueMessages: { events: number | null; receipts: number | null };
}

/** Every service's counts before and after a piece of work, and the history polls it sent. */
export interface D1Window {
  before: D1Snapshot;
  after: D1Snapshot;
  historyPolls: number;
}

/** Runs `work` between two settled reads of every service's D1 call count. */
export async function countingD1<T>(
  client: BenchClient,
  work: () => Promise<T>,
): Promise<{ result: T; window: D1Window }> {
  const before = await settledD1Calls(client);
  const pollsBefore = historyPolls.sent;
  const result = await work();
  const after = await settledD1Calls(client);
  return { result, window: { before, after, historyPolls: historyPolls.sent - pollsBefore } };
}

/** Calls per saga completed, per service and in all, the history polls' reads taken out. */
export function d1PerSaga(window: D1Window, sagas: number, historyCost: number): D1PerSaga {
  const { before, after } = window;
  const calls = {} as Record<D1Service, number | null>;
  const services = {} as Record<D1Service, number | null>;
  for (const service of D1_SERVICES) {
    // A new isolate id: the Worker restarted, its count started again from zero.
    const valid = before[service].isolate === after[service].isolate;
    const raw = valid ? after[service].total - before[service].total : null;
    calls[service] = raw;
    const own =
      raw === null ? null : service === "order" ? raw - window.historyPolls * historyCost : raw;
    services[service] = own === null || sagas === 0 ? null : round(own / sagas, 2);
  }
  const parts = Object.values(services);
  const total = parts.every((p) => p !== null)
    ? round(
        parts.reduce((n: number, p) => n + (p as number), 0),
        2,
      )
    : null;
  return {
    sagas,
    total,
    services,
    calls,
    historyPolls: window.historyPolls,
    historyCallCost: historyCost,
    queueMessages: {
      events: messagesPerSaga(window, sagas, "events"),
      receipts: messagesPerSaga(window, sagas, "receipts"),
    },
  };
}

function messagesPerSaga(
  { before, after }: D1Window,
  sagas: number,
  kind: "events" | "receipts",
): number | null {
  let sent = 0;
  for (const service of D1_SERVICES) {
    const was = before[service].queueMessages;
    const is = after[service].queueMessages;
    if (!was || !is || was.isolate !== is.isolate || sagas === 0) return null;
    sent += is[kind] - was[kind];
  }
  return round(sent / sagas, 2);
}
