/**
 * Queue messages sent by this isolate, for `npm run bench`'s "queue messages per saga": the
 * events the relay sends and the delivery receipts the consumer sends (issue 13: what receipts
 * cost). Like d1-calls.ts, it patches the prototype of the Worker's Queue bindings on the first
 * read, which only the bench route does (BENCH_BASELINES_ENABLED): a plain run is untouched.
 */

const STATE = Symbol.for("edge-saga.bench.queue-message-counts");

export interface QueueMessageCounts {
  /** Id of this patch (one per isolate lifetime): compare two reads' ids before subtracting. */
  isolate: string;
  /** Messages that carried an event. */
  events: number;
  /** Messages that carried a delivery receipt. */
  receipts: number;
}

type Patchable = Record<PropertyKey, unknown>;

const isReceipt = (body: unknown) => typeof body === "object" && body !== null && "receipt" in body;

/** Starts counting (once per isolate) and returns the counts so far; null if `env` has no queue. */
export function countQueueMessages(env: object): QueueMessageCounts | null {
  const queue = Object.values(env).find(
    (value): value is Queue =>
      typeof value === "object" &&
      value !== null &&
      typeof (value as Queue).sendBatch === "function",
  );
  if (!queue) return null;
  const proto = Object.getPrototypeOf(queue) as Patchable;
  let state = proto[STATE] as QueueMessageCounts | undefined;
  if (!state) {
    const fresh: QueueMessageCounts = { isolate: crypto.randomUUID(), events: 0, receipts: 0 };
    const tally = (body: unknown) => {
      if (isReceipt(body)) fresh.receipts++;
      else fresh.events++;
    };
    const send = proto.send as (...args: unknown[]) => Promise<void>;
    const sendBatch = proto.sendBatch as (...args: unknown[]) => Promise<void>;
    Object.defineProperty(proto, "send", {
      value(this: unknown, body: unknown, ...rest: unknown[]) {
        tally(body);
        return send.call(this, body, ...rest);
      },
      configurable: true,
      writable: true,
    });
    Object.defineProperty(proto, "sendBatch", {
      value(this: unknown, messages: { body: unknown }[], ...rest: unknown[]) {
        for (const message of messages) tally(message.body);
        return sendBatch.call(this, messages, ...rest);
      },
      configurable: true,
      writable: true,
    });
    Object.defineProperty(proto, STATE, { value: fresh, configurable: true });
    state = fresh;
  }
  return { ...state };
}
