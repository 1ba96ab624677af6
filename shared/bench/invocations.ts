import { type InvocationCounts, noInvocations } from "./invocation-counts";
import { queueOperationsOf } from "./queue-messages";

export type { InvocationCounts } from "./invocation-counts";

/**
 * What a Worker is billed per invocation, counted in this isolate for `npm run bench` (issue 25:
 * what a saga costs): Worker fetch, queue batches (and their messages), cron runs, Durable
 * Object requests (fetch, RPC) and alarms, and the queue read and delete operations of the
 * messages it consumed. Counted by the bench entry's wrappers (bench-worker.ts), never by a
 * production Worker. In local dev a Worker's Durable Objects run in its isolate, so one read
 * of the bench route sees all of them.
 */

const STATE = Symbol.for("edge-saga.bench.invocations");

/** Queue operations of consumed messages: a read per delivery, a delete per acknowledgement. */
export interface QueueReadCounts {
  read: number;
  delete: number;
}

interface State {
  invocations: InvocationCounts;
  consumed: QueueReadCounts;
}

function state(): State {
  const global = globalThis as { [STATE]?: State };
  global[STATE] ??= { invocations: noInvocations(), consumed: { read: 0, delete: 0 } };
  return global[STATE];
}

/** The counts so far (copies). */
export function invocationCounts(): { invocations: InvocationCounts; consumed: QueueReadCounts } {
  const { invocations, consumed } = state();
  return {
    invocations: { ...invocations, doRpcByMethod: { ...invocations.doRpcByMethod } },
    consumed: { ...consumed },
  };
}

/** Counts one invocation of a Worker handler or Durable Object entry point. */
export function countInvocation(kind: "fetch" | "scheduled" | "doAlarm"): void {
  state().invocations[kind]++;
}

/**
 * `batch`, counted: one batch, its messages, a read operation per 64 KB of each. The returned
 * batch goes to the consumer; `settled` is called with whether the handler resolved, and counts
 * a delete for each message the platform then acknowledges (acked, or not retried on success).
 */
export function countQueueBatch<B extends MessageBatch>(
  batch: B,
): { batch: B; settled(ok: boolean): void } {
  const { invocations, consumed } = state();
  invocations.queueBatches++;
  invocations.queueMessages += batch.messages.length;
  const fate = new Map<Message, "ack" | "retry">();
  let all: "ack" | "retry" | undefined;
  for (const message of batch.messages) consumed.read += queueOperationsOf(message.body);
  const messages = batch.messages.map(
    (message) =>
      new Proxy(message, {
        get(target, key) {
          if (key === "ack" || key === "retry")
            return (...args: unknown[]) => {
              fate.set(target, key);
              return (target[key] as (...a: unknown[]) => void)(...args);
            };
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
  );
  const counted = new Proxy(batch, {
    get(target, key) {
      if (key === "messages") return messages;
      if (key === "ackAll" || key === "retryAll")
        return (...args: unknown[]) => {
          all = key === "ackAll" ? "ack" : "retry";
          fate.clear();
          return (target[key] as (...a: unknown[]) => void)(...args);
        };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    batch: counted,
    settled(ok) {
      for (const message of batch.messages) {
        // A message's own ack/retry wins; else the batch's; else the handler's outcome.
        const outcome = fate.get(message) ?? all ?? (ok ? "ack" : "retry");
        if (outcome === "ack") consumed.delete += queueOperationsOf(message.body);
      }
    },
  };
}

type Patchable = Record<PropertyKey, unknown>;
const PATCHED = Symbol.for("edge-saga.bench.durable-object-stubs");

/**
 * `stub`, its `fetch` and RPC method calls counted (this isolate is the caller). A Proxy: it
 * makes the calls, but the runtime's own helpers that want a real stub (vitest-pool-workers'
 * `runInDurableObject`) refuse it, hence `countDurableObjectRequests` is a bench entry's choice.
 */
export function countedStub<S extends object>(stub: S): S {
  return new Proxy(stub, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof key !== "string" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const { invocations } = state();
        if (key === "fetch") invocations.doFetch++;
        else {
          invocations.doRpc++;
          invocations.doRpcByMethod[key] = (invocations.doRpcByMethod[key] ?? 0) + 1;
        }
        // Reflect.apply: `value.apply` on an RPC method is itself an RPC property (pipelining).
        return Reflect.apply(value, target, args);
      };
    },
  });
}

/**
 * Counts the Durable Object requests this isolate makes: patches (once) the prototype of the
 * Durable Object namespaces in `env` so that the stubs `get` / `getByName` return count their
 * calls. Counted at the caller: in local dev every caller of a service's objects is the service.
 */
export function countDurableObjectRequests(env: object): void {
  for (const value of Object.values(env)) {
    if (typeof value !== "object" || value === null) continue;
    const namespace = value as Partial<DurableObjectNamespace>;
    if (typeof namespace.idFromName !== "function" || typeof namespace.get !== "function") continue;
    const proto = Object.getPrototypeOf(namespace) as Patchable;
    if (proto[PATCHED]) continue;
    for (const method of ["get", "getByName"]) {
      const original = proto[method];
      if (typeof original !== "function") continue;
      Object.defineProperty(proto, method, {
        value(this: unknown, ...args: unknown[]) {
          return countedStub((original as (...a: unknown[]) => object).apply(this, args));
        },
        configurable: true,
        writable: true,
      });
    }
    Object.defineProperty(proto, PATCHED, { value: true, configurable: true });
  }
}
