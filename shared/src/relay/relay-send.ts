import { env } from "cloudflare:workers";
import { loggerFor } from "../log/logger";
import { inboxBindingOf } from "../receipts/receipts";
import { chunkForSend, type PendingRow } from "./chunk-for-send";
import { pauseBetweenSends, type RelayConfig, sendLimits } from "./relay-config";
import type { RelayHooks } from "./relay-hooks";

/** What sending needs: the config, the hooks, and the wire (`OutboxRelay.send`, a test seam). */
export interface SendContext {
  config: RelayConfig;
  hooks: RelayHooks;
  wire: (queue: Queue, messages: MessageSendRequest[]) => Promise<void>;
}

export interface SendOutcome {
  sends: number;
  /** The rows of the failed sends, with the first error. */
  failed: { ids: Set<string>; error?: unknown };
  /**
   * Messages not sent, by subscriber, for want of its queue binding. Not a failure: the rest
   * publish, and each such event stays awaiting that subscriber's receipt, re-sent with backoff
   * (so it is delivered once the binding is there) or, at retention, an UNDELIVERABLE dead letter.
   */
  unrouted: Record<string, number>;
}

/** Subscribers whose missing binding this isolate has logged: once each, loudly. */
const loggedMissing = new Set<string>();

/** Logs, once per subscriber, that `missing` have no queue binding (their sends are skipped). */
export function logMissingQueues(missing: readonly string[]): void {
  const fresh = missing.filter((service) => !loggedMissing.has(service));
  if (fresh.length === 0) return;
  for (const service of fresh) loggedMissing.add(service);
  loggerFor(env).error(
    "relay has no queue for these subscribers: their events are not sent (the rest are) and wait, re-sent with backoff, until the binding is configured",
    { subscribers: fresh, bindings: fresh.map(inboxBindingOf) },
  );
}

/** The send timeout of this run (the hooks may change the configured one). */
export function sendTimeoutMs(ctx: SendContext): Promise<number> {
  return ctx.hooks.sendTimeoutMs(ctx.config.sendTimeoutMs ?? 30_000);
}

/**
 * Sends rows to their subscribers, all chunks at once, and waits for every send: returns how
 * many there were, and the rows of the failed ones with the first error.
 */
export async function sendToSubscribers<R extends PendingRow>(
  ctx: SendContext,
  rows: R[],
  timeoutMs: number,
  subscribersOf: (row: R) => readonly string[],
): Promise<SendOutcome> {
  const { config } = ctx;
  const bodies = new Map<string, unknown>();
  const bySubscriber = new Map<string, PendingRow[]>();
  for (const row of rows)
    for (const service of subscribersOf(row)) {
      const list = bySubscriber.get(service);
      if (list) list.push(row);
      else bySubscriber.set(service, [row]);
    }
  const sends: Promise<void>[] = [];
  const chunks: PendingRow[][] = [];
  const unrouted: Record<string, number> = {};
  for (const [service, serviceRows] of bySubscriber) {
    const queue = config.queues[service];
    if (!queue) {
      // Only this subscriber's sends stop; the other subscribers' go out below.
      unrouted[service] = serviceRows.length;
      logMissingQueues([service]);
      continue;
    }
    for (const chunk of chunkForSend(serviceRows, ...sendLimits(config))) {
      const messages = chunk.map((row) => {
        const body = bodies.get(row.eventId) ?? JSON.parse(row.body);
        bodies.set(row.eventId, body);
        return { body, contentType: "json" as const };
      });
      chunks.push(chunk);
      const publish = ctx.hooks.publish((batch) => ctx.wire(queue, batch), messages);
      sends.push(withTimeout(publish, timeoutMs, `sendBatch to ${service}`));
    }
  }
  const failed: SendOutcome["failed"] = { ids: new Set() };
  for (const [i, outcome] of (await Promise.allSettled(sends)).entries()) {
    if (outcome.status === "fulfilled") continue;
    failed.error ??= outcome.reason;
    for (const row of chunks[i] ?? []) failed.ids.add(row.eventId);
  }
  return { sends: sends.length, failed, unrouted };
}

/** Adds `more` messages not sent for want of a binding into `into`, by subscriber. */
export function addUnrouted(into: Record<string, number>, more: Record<string, number>): void {
  for (const [service, n] of Object.entries(more)) into[service] = (into[service] ?? 0) + n;
}

/** The relay status's unrouted messages after a run: what it had plus each part's. */
export function totalUnrouted(
  ...parts: (Record<string, number> | undefined)[]
): Record<string, number> {
  const total: Record<string, number> = {};
  for (const part of parts) addUnrouted(total, part ?? {});
  return total;
}

/** Rows to one queue, one chunk after another (replays: not the hot path). Returns the number of sends. */
export async function sendInTurn(ctx: SendContext, queue: Queue, rows: PendingRow[]) {
  const timeoutMs = await sendTimeoutMs(ctx);
  let sends = 0;
  for (const chunk of chunkForSend(rows, ...sendLimits(ctx.config))) {
    if (sends++ > 0) await pauseBetweenSends(ctx.config);
    const messages = chunk.map((r) => ({ body: JSON.parse(r.body), contentType: "json" as const }));
    await withTimeout(ctx.wire(queue, messages), timeoutMs, "replay send");
  }
  return sends;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => timer && clearTimeout(timer));
}
