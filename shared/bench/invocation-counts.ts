/**
 * The shape of the bench's invocation counts (invocations.ts), Workers-free: the bench's Node
 * side reads them, and baseline Workers that use no kit count the same way.
 */
export interface InvocationCounts {
  /** Worker fetch invocations (the bench's own routes not counted). */
  fetch: number;
  /** Queue consumer invocations, and the messages they were given (each delivery, retries too). */
  queueBatches: number;
  queueMessages: number;
  /** Cron (`scheduled`) invocations. */
  scheduled: number;
  /** Durable Object requests: `stub.fetch` calls, RPC method calls, alarm runs. */
  doFetch: number;
  doRpc: number;
  doAlarm: number;
  /** RPC calls by method name (which calls make `doRpc`). */
  doRpcByMethod: Record<string, number>;
}

/** Counts before the first invocation (also a baseline Worker's starting point). */
export function noInvocations(): InvocationCounts {
  return {
    fetch: 0,
    queueBatches: 0,
    queueMessages: 0,
    scheduled: 0,
    doFetch: 0,
    doRpc: 0,
    doAlarm: 0,
    doRpcByMethod: {},
  };
}
