/**
 * Queue messages sent by this isolate, for `npm run bench`'s "queue messages per saga": the
 * events the relay sends and the delivery receipts the consumer sends (issue 13: what receipts
 * cost), the calls that sent them and the write operations they are billed as (issue 25). Like
 * d1-calls.ts, it patches the prototypes of the Worker's Queue bindings on the first call, which
 * only a bench entry makes (bench-worker.ts): a production Worker is untouched.
 */

const STATE = Symbol.for("edge-saga.bench.queue-message-counts");

export interface QueueMessageCounts {
  /** Id of this patch (one per isolate lifetime): compare two reads' ids before subtracting. */
  isolate: string;
  /** Messages that carried an event. */
  events: number;
  /** Messages that carried a delivery receipt. */
  receipts: number;
  /** `send` and `sendBatch` calls (one round trip each, however many messages). */
  calls: { send: number; sendBatch: number };
  /** Write operations: each message is one per 64 KB of its body (`queueOperationsOf`). */
  writeOperations: number;
}

/** Queues bill one operation per 64 KB written, read or deleted (Cloudflare Queues pricing). */
const OPERATION_BYTES = 64 * 1024;

/**
 * The operations one write (or read, or delete) of a message with `body` is billed as: one per
 * 64 KB started. The size is of the body as JSON, the format the kit sends in.
 * @example queueOperationsOf({ id: "e1" }) // 1
 */
export function queueOperationsOf(body: unknown): number {
  const bytes = new TextEncoder().encode(JSON.stringify(body) ?? "").byteLength;
  return Math.max(1, Math.ceil(bytes / OPERATION_BYTES));
}

type Patchable = Record<PropertyKey, unknown>;

const isReceipt = (body: unknown) => typeof body === "object" && body !== null && "receipt" in body;

const PATCHED = Symbol.for("edge-saga.bench.queue-patched");

/**
 * The Queue bindings of `env`. Not "anything with a sendBatch": a service binding (Fetcher)
 * answers any property name with an RPC method, so it is told apart by its `fetch`.
 */
const queuesOf = (env: object): Queue[] =>
  Object.values(env).filter(
    (value): value is Queue =>
      typeof value === "object" &&
      value !== null &&
      typeof (value as Queue).sendBatch === "function" &&
      typeof (value as { fetch?: unknown }).fetch !== "function",
  );

/**
 * Starts counting the sends of `env`'s Queue bindings (each binding class patched once per
 * isolate) and returns the counts so far; null if `env` has no queue.
 */
export function countQueueMessages(env: object): QueueMessageCounts | null {
  const queues = queuesOf(env);
  if (queues.length === 0) return null;
  const global = globalThis as { [STATE]?: QueueMessageCounts };
  global[STATE] ??= {
    isolate: crypto.randomUUID(),
    events: 0,
    receipts: 0,
    calls: { send: 0, sendBatch: 0 },
    writeOperations: 0,
  };
  const state = global[STATE];
  for (const queue of queues) {
    const proto = Object.getPrototypeOf(queue) as Patchable;
    if (!proto[PATCHED]) patchSends(proto, state);
  }
  return { ...state, calls: { ...state.calls } };
}

function patchSends(proto: Patchable, state: QueueMessageCounts): void {
  const tally = (body: unknown) => {
    if (isReceipt(body)) state.receipts++;
    else state.events++;
    state.writeOperations += queueOperationsOf(body);
  };
  const send = proto.send as (...args: unknown[]) => Promise<void>;
  const sendBatch = proto.sendBatch as (...args: unknown[]) => Promise<void>;
  Object.defineProperty(proto, "send", {
    value(this: unknown, body: unknown, ...rest: unknown[]) {
      state.calls.send++;
      tally(body);
      return send.call(this, body, ...rest);
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(proto, "sendBatch", {
    value(this: unknown, messages: { body: unknown }[], ...rest: unknown[]) {
      state.calls.sendBatch++;
      for (const message of messages) tally(message.body);
      return sendBatch.call(this, messages, ...rest);
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(proto, PATCHED, { value: true, configurable: true });
}
