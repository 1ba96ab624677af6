import type { Catalog } from "../catalog";
import type { Envelope } from "../envelope";
import type { Logger } from "../log/logger";
import {
  type HandledEvent,
  inboxQueueByConvention,
  type Receipt,
  receiptOwed,
  sendReceipts,
} from "../receipts/receipts";
import { answeredByReply, type MarkedEvent } from "../receipts/reply-acks";
import { decodeBody } from "./processed-events";

/**
 * Receipts, the consumer's side of the rule: every event a batch handled (applied, dropped as a
 * copy or dead-lettered, not one sent back for a retry) is owed a receipt to its producer,
 * except its own events read back (receiptOwed) and events its handler answered with a reply
 * to their producer (reply-acks.ts: the reply is the receipt); they go out once per batch, one message per
 * producer. Receipts that arrive (for this service's own events) are collected for the
 * batch's bookkeeping.
 */
export class ConsumerReceipts {
  /** Receipts this batch brought. */
  readonly received: Receipt[] = [];
  /** Events this batch handled that their producers await a receipt for. */
  readonly owed: HandledEvent[] = [];

  constructor(
    private readonly catalog: Pick<Catalog, "subscribersOf">,
    private readonly service: string,
  ) {}

  /**
   * Notes that `event` (or the message carrying it) was handled. `message`: the one that
   * carried the parsed `event`, whose body still says which producer shard sent it (parsing
   * drops `sourceShard`, and without it the receipt would go to the producer's shard 0).
   */
  handled(
    event: Partial<Envelope> | Message,
    message?: Message,
    emitted: readonly Partial<MarkedEvent>[] = [],
  ): void {
    if (typeof event.id === "string" && answeredByReply(event as Envelope, emitted)) return;
    const shard = message ? sourceShardOf(decodeBody(message.body)) : undefined;
    for (const handled of handledBy(event)) {
      const from =
        handled.shard === undefined && shard !== undefined ? { ...handled, shard } : handled;
      if (receiptOwed(this.catalog, this.service, from)) this.owed.push(from);
    }
  }

  /** Sends what is owed (never throws: a lost receipt costs a re-send). */
  send(queueOf: (producer: string) => Queue | undefined, log: Logger): Promise<number> {
    return sendReceipts(this.service, this.owed, queueOf, log);
  }
}

/** Where a producer's receipts go: `custom` when given, else its inbox by convention. */
export function receiptQueueOf<Env>(
  env: Env,
  custom: ((env: Env, producer: string) => Queue | undefined) | undefined,
): (producer: string) => Queue | undefined {
  return (producer) => (custom ? custom(env, producer) : inboxQueueByConvention(env, producer));
}

/** The event as its producer's receipt names it, if the message said who produced it. */
export function handledBy(event: Partial<Envelope> | Message): HandledEvent[] {
  const body = "body" in event ? (decodeBody(event.body) as Partial<Envelope> | null) : event;
  const id = body?.id;
  const source = body?.source;
  const type = typeof body?.type === "string" ? body.type : undefined;
  const shard = sourceShardOf(body);
  return typeof id === "string" && typeof source === "string"
    ? [{ id, source, type, ...(shard === undefined ? {} : { shard }) }]
    : [];
}

/** The producer shard a message body says sent it (`sourceShard`, absent for shard 0). */
export function sourceShardOf(body: unknown): number | undefined {
  const shard = (body as { sourceShard?: unknown } | null)?.sourceShard;
  return typeof shard === "number" && Number.isInteger(shard) && shard > 0 ? shard : undefined;
}
