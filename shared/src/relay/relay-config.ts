import type { Catalog } from "../catalog";
import { DEFAULT_RECEIPT_TIMEOUT_MS } from "../receipts/resend-policy";

export interface RelayConfig {
  /** The service whose outbox this is: named in the relay's log lines. */
  service?: string;
  /** The service's own D1 database, holding the outbox table. */
  db: D1Database;
  /** Routing: which services get each event type. */
  catalog: Pick<Catalog, "subscribersOf">;
  /**
   * Inbox queue of every subscriber service, by service name. One left out (a binding missing
   * from the config) stops only that subscriber's sends, logged and counted (relay-send.ts).
   */
  queues: Record<string, Queue>;
  /**
   * Every service this relay's events go to, from the catalog: checked against `queues` when
   * the relay starts, so a missing binding is logged before any event waits on it.
   */
  subscribers?: readonly string[];
  /** Cap per `sendBatch` call; the platform's limit is 100. */
  maxMessagesPerSend?: number;
  /** Cap per `sendBatch` call; the platform's limit is 256 KB. */
  maxBytesPerSend?: number;
  /** Give up on a `sendBatch` that has not settled (it has been seen to hang ~57 s). */
  sendTimeoutMs?: number;
  /** The local queue broker needs a breather between pages of sends (see platform.md). */
  pauseBetweenSendsMs?: number;
  /** Stop an alarm run after this many D1 queries or sends and re-arm (D1 allows 1,000 per invocation). */
  operationBudget?: number;
  /**
   * How long a subscriber may go without sending a receipt for an event before the re-send
   * rule looks at it (receipts/resend-policy.ts says when it is sent again). Default 30 s.
   */
  receiptTimeoutMs?: number;
  /**
   * The service's own inbox queue: where copies held for self-read (`holdUntilApplied`) are
   * sent again until the service applied them.
   */
  ownQueue?: Queue;
  /** A held copy is checked this long after it was sent (then twice as long ...). Default 30 s. */
  heldCheckMs?: number;
}

/**
 * The local queue broker fails a back-to-back burst of >10,000 messages (platform.md);
 * 1 ms between pages avoids it and costs nothing that matters in production.
 */
const DEFAULT_PAUSE_BETWEEN_SENDS_MS = 1;

export function receiptTimeoutMs(config: RelayConfig): number {
  return config.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS;
}

export function sendLimits(config: RelayConfig): [maxMessages: number, maxBytes: number] {
  return [config.maxMessagesPerSend ?? 100, config.maxBytesPerSend ?? 250_000];
}

export async function pauseBetweenSends(config: RelayConfig): Promise<void> {
  const pause = config.pauseBetweenSendsMs ?? DEFAULT_PAUSE_BETWEEN_SENDS_MS;
  if (pause > 0) await new Promise((r) => setTimeout(r, pause));
}

/** The subscribers `config` names (`subscribers`) that have no queue. */
export function missingQueues(config: RelayConfig): string[] {
  return (config.subscribers ?? []).filter((service) => !config.queues[service]);
}
