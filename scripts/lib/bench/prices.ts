/**
 * Cloudflare's published list prices (Workers Paid plan), the only place the bench's dollar
 * figures come from. Each is the price of one unit beyond the plan's monthly allowance: a
 * marginal cost per order, so the allowances (10 M requests, 30 M CPU ms, 1 M DO requests,
 * 1 M queue operations, 25 B rows read, 50 M rows written a month) and the $5 plan fee are
 * left out. Read on 2026-12-07; a price change is an edit here and nowhere else.
 */

export interface ListPrice {
  /** US dollars per one million units. */
  usdPerMillion: number;
  unit: string;
  source: string;
  read: string;
}

const READ = "2026-12-07";

/** A list price from Cloudflare's developer docs (`page` below developers.cloudflare.com/), read on READ. */
const listPrice = (usdPerMillion: number, unit: string, page: string): ListPrice => ({
  usdPerMillion,
  unit,
  source: `https://developers.cloudflare.com/${page}`,
  read: READ,
});

/**
 * Workers Standard: one invocation (fetch, queue consumer batch, cron). Workflows bill the same
 * way ("Workflows pricing is identical to Workers Standard pricing"). Every Worker-to-Worker
 * call through a service binding is counted as an invocation here, an upper bound.
 */
export const WORKER_REQUEST = listPrice(0.3, "request", "workflows/reference/pricing/");

/** Workers Standard CPU time: "+ $0.02 per additional million CPU milliseconds". */
export const WORKER_CPU_MS = listPrice(0.02, "CPU ms", "workflows/reference/pricing/");

/**
 * Durable Objects requests: "HTTP requests, RPC sessions, WebSocket messages, and alarm
 * invocations"; every RPC method call on a stub is its own session, so one request.
 */
export const DO_REQUEST = listPrice(0.15, "request", "durable-objects/platform/pricing/");

/**
 * Durable Objects duration: wall-clock while active, 128 MB per object. Not measured by the
 * bench (the local runtime does not report it): priced only where a figure is given.
 */
export const DO_GB_SECOND = listPrice(12.5, "GB-s", "durable-objects/platform/pricing/");

/**
 * Queues: one operation per 64 KB written, read or deleted; a delivered message of less than
 * 64 KB is 3 (write, read, delete), each retry one more read.
 */
export const QUEUE_OPERATION = listPrice(0.4, "operation", "queues/platform/pricing/");

/** Operations one message under 64 KB costs when delivered once (same source). */
export const QUEUE_OPERATIONS_PER_MESSAGE = 3;

/** D1 rows read (scanned): "+ $0.001 / million rows". */
export const D1_ROW_READ = listPrice(0.001, "row read", "d1/platform/pricing/");

/** D1 rows written (INSERT, UPDATE, DELETE; an index adds a row): "+ $1.00 / million rows". */
export const D1_ROW_WRITTEN = listPrice(1, "row written", "d1/platform/pricing/");
