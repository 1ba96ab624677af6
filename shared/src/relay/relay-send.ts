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
  for (const [service, serviceRows] of bySubscriber) {
    const queue = config.queues[service];
    if (!queue) throw new Error(`no queue configured for subscriber "${service}"`);
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
  return { sends: sends.length, failed };
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
