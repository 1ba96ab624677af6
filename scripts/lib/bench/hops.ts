import { d1Execute } from "./d1";
import { type Summary, summarize } from "./stats";
import { RELAY_SERVICES } from "./workloads";

/**
 * Where a saga's time goes, hop by hop, from the services' own tables (server clocks):
 * - relay: an outbox row's `created_at` (commit) -> `published_at` (after its sendBatch resolved);
 * - delivery: the producer's `published_at` -> the consumer's inbox `processed_at` (queue
 *   delivery, the handler's reads, up to the commit of its effect).
 */

export interface HopRow {
  service: string;
  step: string;
  latency: Summary;
}

interface OutboxRow {
  id: string;
  type: string;
  c: string;
  cr: number;
  pub: number | null;
}

interface InboxRow {
  id: string;
  at: number;
}

const OUTBOX_SQL =
  "SELECT event_id AS id, type, correlation_id AS c, created_at AS cr, published_at AS pub FROM outbox WHERE event_id NOT LIKE 'drain-%'";
const INBOX_SQL =
  "SELECT event_id AS id, processed_at AS at FROM inbox WHERE event_id NOT LIKE 'drain-%'";

export interface ServiceTables {
  service: string;
  outbox: OutboxRow[];
  inbox: InboxRow[];
  /** Rows of extra statements asked for with `extra` (in order). */
  extra: Record<string, unknown>[][];
}

/**
 * Reads the outbox and inbox of every service whose events make the saga (plus `extra`
 * statements on one service) in parallel.
 */
export async function readTables(
  persistDir: string,
  extra: { service: string; statements: string[] } = { service: "inventory", statements: [] },
): Promise<ServiceTables[]> {
  return Promise.all(
    RELAY_SERVICES.map(async (service) => {
      const more = service === extra.service ? extra.statements : [];
      const results = await d1Execute(
        {
          database: `edge-saga-${service}`,
          config: `workers/${service}/wrangler.toml`,
          persistDir,
        },
        { command: [OUTBOX_SQL, INBOX_SQL, ...more].join(";\n") },
      );
      return {
        service,
        outbox: (results[0] ?? []) as unknown as OutboxRow[],
        inbox: (results[1] ?? []) as unknown as InboxRow[],
        extra: results.slice(2),
      };
    }),
  );
}

/** The hop table of the sagas whose correlation id (order id) is in `orders`. */
export function hops(tables: ServiceTables[], orders: ReadonlySet<string>): HopRow[] {
  const processed = new Map<string, { service: string; at: number }[]>();
  for (const t of tables)
    for (const row of t.inbox) {
      const list = processed.get(row.id) ?? [];
      list.push({ service: t.service, at: row.at });
      processed.set(row.id, list);
    }
  const groups = new Map<string, { service: string; step: string; values: number[] }>();
  const add = (service: string, step: string, value: number) => {
    const key = `${service}|${step}`;
    const group = groups.get(key) ?? { service, step, values: [] };
    group.values.push(value);
    groups.set(key, group);
  };
  for (const t of tables)
    for (const row of t.outbox) {
      if (!orders.has(row.c) || row.pub === null) continue;
      add(t.service, `${row.type}: commit -> published (relay)`, row.pub - row.cr);
      for (const consumer of processed.get(row.id) ?? [])
        add(
          consumer.service,
          `${row.type}: published -> applied (queue + consumer)`,
          consumer.at - row.pub,
        );
    }
  const order = [
    "OrderPlaced",
    "StockReserved",
    "PointsReserved",
    "PaymentAuthorized",
    "OrderConfirmed",
    "PaymentCaptured",
    "PointsAwarded",
  ];
  const rank = (step: string) => {
    const i = order.indexOf(step.split(":")[0] ?? "");
    return (i < 0 ? order.length : i) * 2 + (step.includes("relay") ? 0 : 1);
  };
  return [...groups.values()]
    .sort((a, b) => rank(a.step) - rank(b.step) || a.service.localeCompare(b.service))
    .map((g) => ({ service: g.service, step: g.step, latency: summarize(g.values) }));
}
