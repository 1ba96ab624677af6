import type { Envelope } from "../envelope";
import type { Outcome } from "../inbox/consumer-types";
import { decodeBody } from "../inbox/processed-events";
import type { Logger } from "../log/logger";
import { type HandledEvent, receiptOf, sendReceipts } from "../receipts/receipts";
import { type OnShard, onShard, shardCount } from "./shard-env";

/** The shards an event applies on, among `shards`: one for most, several for a fan-out. */
export type ShardsOfEvent = (event: Envelope, shards: number) => number | readonly number[];

/** The consumer core of one shard, with receipts handed to `sink` instead of sent. */
export type ShardConsumer<Env> = (
  batch: MessageBatch,
  env: OnShard<Env>,
  sink: (owed: readonly HandledEvent[]) => void,
) => Promise<Record<Outcome, number>>;

export interface ShardedQueueOptions<Env> {
  shardsOf: ShardsOfEvent;
  consume: ShardConsumer<Env>;
  /** The consumer as it ran before shards, for a service on one shard (nothing changes). */
  unsharded: (batch: MessageBatch, env: Env) => Promise<Record<Outcome, number>>;
  service: string;
  /** Where a producer's receipts go (`receiptQueueOf`, as the consumer core sends them). */
  queueOf: (env: Env) => (producer: string) => Queue | undefined;
  log: (env: Env) => Logger;
}

/**
 * A queue handler for a service on several shards. Each message goes to the shards it applies
 * on (`shardsOf`; a receipt to the shard that sent the events it names; a body that is not an
 * event to shard 0, whose consumer dead-letters it) and every shard's consumer runs its part of
 * the batch on its own database, at once. A message on several shards is acked only when every
 * one of them settled it, and retried when any asked to; its receipt leaves only when every one
 * handled it, so that a copy lost after one shard applied it is still re-sent to the others.
 */
export function shardedQueue<Env extends object>(options: ShardedQueueOptions<Env>) {
  return async function queue(batch: MessageBatch, env: Env): Promise<Record<Outcome, number>> {
    const shards = shardCount(env);
    if (shards === 1) return options.unsharded(batch, env);

    const parts = Array.from({ length: shards }, () => [] as Message[]);
    const spans: MessageSpan[] = [];
    /** How many shards each event went to: its receipt waits for that many. */
    const shardsOfEvent = new Map<string, number>();
    for (const message of batch.messages) {
      const { on, eventId } = routeMessage(message.body, shards, options.shardsOf);
      const span = new MessageSpan(message, on.length);
      spans.push(span);
      if (eventId !== undefined) shardsOfEvent.set(eventId, on.length);
      for (const shard of on) parts[shard]?.push(span.part());
    }

    const owed: HandledEvent[] = [];
    const runs = await Promise.allSettled(
      parts.map((messages, shard) =>
        messages.length === 0
          ? undefined
          : options.consume(subBatch(batch, messages), onShard(env, shard), (o) => owed.push(...o)),
      ),
    );
    for (const span of spans) span.settle();

    // A receipt for an event once every shard it went to handled it.
    const handledOn = new Map<string, number>();
    for (const event of owed) handledOn.set(event.id, (handledOn.get(event.id) ?? 0) + 1);
    const complete = new Map<string, HandledEvent>();
    for (const event of owed)
      if ((handledOn.get(event.id) ?? 0) >= (shardsOfEvent.get(event.id) ?? 1))
        complete.set(event.id, event);
    await sendReceipts(
      options.service,
      [...complete.values()],
      options.queueOf(env),
      options.log(env),
    );
    // A shard whose run failed left its messages unsettled: the platform retries them.
    const failed = runs.find((run) => run.status === "rejected");
    if (failed) throw failed.reason;
    const counts = runs.map((run) => (run.status === "fulfilled" ? run.value : undefined));
    return sumCounts(counts);
  };
}

/** Which shards one message body goes to, and the id of the event it carries, if any. */
function routeMessage(
  body: unknown,
  shards: number,
  shardsOf: ShardsOfEvent,
): { on: number[]; eventId?: string } {
  const decoded = decodeBody(body);
  const receipt = receiptOf(decoded);
  if (receipt) return { on: [inRange(receipt.shard ?? 0, shards)] };
  const event = decoded as Envelope | null;
  if (typeof event?.type !== "string" || typeof event.id !== "string") return { on: [0] };
  let on: number | readonly number[];
  try {
    on = shardsOf(event, shards);
  } catch {
    // Its payload cannot say: shard 0's consumer dead-letters it with the reason.
    return { on: [0], eventId: event.id };
  }
  const list = [...new Set((typeof on === "number" ? [on] : on).map((s) => inRange(s, shards)))];
  return { on: list.length > 0 ? list : [0], eventId: event.id };
}

function inRange(shard: number, shards: number): number {
  return Number.isInteger(shard) && shard >= 0 && shard < shards ? shard : 0;
}

function subBatch(batch: MessageBatch, messages: Message[]): MessageBatch {
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages,
    ackAll: () => {
      for (const m of messages) m.ack();
    },
    retryAll: (options?: QueueRetryOptions) => {
      for (const m of messages) m.retry(options);
    },
  };
}

const SPANS_SHARDS = Symbol.for("edge-saga.spans-shards");

/** Whether a shard's consumer got `message` as its part of a message applied on several shards. */
export function spansShards(message: Message): boolean {
  return (message as { [SPANS_SHARDS]?: boolean })[SPANS_SHARDS] === true;
}

/** One queue message spread over several shards: acked once all settle it, retried if one asks. */
class MessageSpan {
  private acked = 0;
  /** Set once a shard asked for a retry: the longest delay any asked for. */
  private retry: QueueRetryOptions | undefined;

  constructor(
    private readonly message: Message,
    private readonly shards: number,
  ) {}

  part(): Message {
    const { message } = this;
    return {
      id: message.id,
      timestamp: message.timestamp,
      body: message.body,
      attempts: message.attempts,
      [SPANS_SHARDS]: this.shards > 1,
      ack: () => {
        this.acked++;
      },
      retry: (options?: QueueRetryOptions) => {
        const delay = Math.max(this.retry?.delaySeconds ?? 0, options?.delaySeconds ?? 0);
        this.retry = delay > 0 ? { delaySeconds: delay } : {};
      },
    } as Message;
  }

  /** Acks or retries the real message; one no shard settled is left to the platform's retry. */
  settle(): void {
    if (this.retry) this.message.retry(this.retry);
    else if (this.acked >= this.shards) this.message.ack();
  }
}

function sumCounts(counts: (Record<Outcome, number> | undefined)[]): Record<Outcome, number> {
  const total: Record<Outcome, number> = {
    applied: 0,
    duplicate: 0,
    "dead-lettered": 0,
    retried: 0,
  };
  for (const count of counts)
    for (const [outcome, n] of Object.entries(count ?? {}))
      total[outcome as Outcome] += n as number;
  return total;
}
