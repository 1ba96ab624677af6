import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { StockReservationFailed } from "@edge-saga/contracts";
import { d1Execute } from "./d1";
import { round } from "./stats";
import { type BenchClient, benchApi } from "./workloads";

/**
 * Relay drain of the kit's OutboxRelay: N pending rows are written straight into the inventory
 * service's outbox (one INSERT ... SELECT through `wrangler d1 execute`, while the stack runs),
 * then the relay is poked once (POST /admin/inventory/maintenance) and drains them to the order
 * service's inbox queue. The rate comes from the rows' own `published_at` stamps (server clock).
 * The events are `StockReservationFailed` for orders that do not exist. It has two subscribers
 * (order and view): each chunk is one `sendBatch` per subscriber, and both consumers record the
 * events in their inbox and ignore them, on the same workerd thread as the relay. The bare relay
 * has one queue whose consumer only acknowledges: compare messages per second, not events.
 */
/** The catalog's subscribers of StockReservationFailed: one queue each. */
export const DRAIN_SUBSCRIBERS = StockReservationFailed.subscribers.length;

export const INVENTORY_DB = {
  database: "edge-saga-inventory",
  config: "workers/inventory/wrangler.toml",
};

/** The relay's own SELECT (shared/src/relay/outbox-relay.ts), for EXPLAIN QUERY PLAN. */
export const RELAY_SELECT =
  "SELECT seq, type, body FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT 100";

export interface DrainResult {
  backlog: number;
  drained: boolean;
  /** From the first to the last `published_at` of the rows (the first page is not counted in the rate). */
  spanMs: number;
  eventsPerSecond: number | null;
  /** Microseconds per event. */
  usPerEvent: number | null;
  /** Client view: poke -> pending back to 0 (includes polling granularity). */
  wallMs: number;
  /** Client view: poke -> the order service's inbox holds every event (relay and consumer together). */
  consumedMs: number | null;
  consumedPerSecond: number | null;
  relayError: string | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function seedSql(tag: string, n: number): string {
  const id = `'drain-${tag}-' || i`;
  return `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
INSERT INTO outbox (event_id, type, correlation_id, body, created_at)
SELECT ${id}, 'StockReservationFailed', ${id},
  json_object('id', ${id}, 'type', 'StockReservationFailed', 'version', 1, 'source', 'inventory',
    'aggregateType', 'order', 'aggregateId', ${id}, 'sequence', 0,
    'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'correlationId', ${id}, 'causationId', 'bench',
    'payload', json_object('orderId', ${id}, 'reason', 'OUT_OF_STOCK', 'skus', json_array())),
  CAST(unixepoch('subsec') * 1000 AS INTEGER)
FROM n;
`;
}

/** Seeds `backlog` rows, pokes the relay, waits for the drain; returns its rate. */
export async function drainRun(
  client: BenchClient,
  persistDir: string,
  workDir: string,
  backlog: number,
  timeoutMs: number,
  /** Wait for the consumer to apply every event too (so a next run starts quiet). */
  waitForConsumer: boolean,
): Promise<DrainResult> {
  const api = benchApi(client);
  const tag = `b${backlog}`;
  const file = join(workDir, `seed-${tag}.sql`);
  writeFileSync(file, seedSql(tag, backlog));
  await d1Execute({ ...INVENTORY_DB, persistDir }, { file });
  const inboxBefore = (await api.outbox()).order.inboxRows;
  const started = Date.now();
  await api.expect(200, "POST", "/admin/inventory/maintenance", { admin: true });
  let services = await api.outbox();
  while (services.inventory.pending > 0 && Date.now() - started < timeoutMs) {
    await sleep(50);
    services = await api.outbox();
  }
  const state = services.inventory;
  const wallMs = Date.now() - started;
  // The consumer catches up after the relay: wait for it, so the next run starts quiet.
  while (
    waitForConsumer &&
    services.order.inboxRows < inboxBefore + backlog &&
    Date.now() - started < timeoutMs
  ) {
    await sleep(100);
    services = await api.outbox();
  }
  const consumed = services.order.inboxRows >= inboxBefore + backlog;
  const consumedMs = consumed ? Date.now() - started : null;
  return {
    backlog,
    drained: state.pending === 0,
    spanMs: 0,
    eventsPerSecond: null,
    usPerEvent: null,
    wallMs,
    consumedMs,
    consumedPerSecond: consumedMs ? round((backlog / consumedMs) * 1000, 0) : null,
    relayError: state.relay.lastError,
  };
}

/** The statement reading the published_at span of every drain run (run after the stack stopped). */
export const DRAIN_STATS_SQL =
  "SELECT substr(event_id, 1, instr(substr(event_id, 7), '-') + 5) AS tag, count(*) AS n, min(published_at) AS first, max(published_at) AS last FROM outbox WHERE event_id LIKE 'drain-%' AND published_at IS NOT NULL GROUP BY tag";

/** Fills in the server-side rate of each run from the rows of DRAIN_STATS_SQL. */
export function withServerRates(
  runs: DrainResult[],
  stats: Record<string, unknown>[],
): DrainResult[] {
  return runs.map((run) => {
    const row = stats.find((s) => s.tag === `drain-b${run.backlog}`) as
      | { n: number; first: number; last: number }
      | undefined;
    if (!row) return { ...run, drained: false };
    const spanMs = row.last - row.first;
    // The first page's stamp is the start: its 100 events are not in the rate.
    const counted = row.n - 100;
    return {
      ...run,
      drained: run.drained && row.n === run.backlog,
      spanMs,
      eventsPerSecond: spanMs > 0 && counted > 0 ? round((counted / spanMs) * 1000, 0) : null,
      usPerEvent: spanMs > 0 && counted > 0 ? round((spanMs / counted) * 1000, 1) : null,
    };
  });
}
