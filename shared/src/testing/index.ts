import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";

/** Helpers for service tests running in vitest-pool-workers. */

type QueueMessage = Parameters<typeof createMessageBatch>[1][number];

let counter = 0;

/** A queue message carrying `body`, as the platform would deliver it. */
export function queueMessage(body: unknown, attempts = 1): QueueMessage {
  counter++;
  return { id: `msg-${Date.now()}-${counter}`, timestamp: new Date(), attempts, body };
}

/**
 * Delivers bodies to a worker's `queue()` handler as one batch and returns the
 * ack/retry result.
 * @example const result = await deliver(worker, env, "inventory-inbox", [event, event]);
 */
export async function deliver<Env>(
  worker: ExportedHandler<Env>,
  env: Env,
  queue: string,
  bodies: unknown[],
): Promise<Awaited<ReturnType<typeof getQueueResult>>> {
  const batch = createMessageBatch(
    queue,
    bodies.map((b) => queueMessage(b)),
  );
  const ctx = createExecutionContext();
  await worker.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/**
 * Bodies no consumer can apply, each for a different reason: not an envelope at all,
 * an unknown event type, and a known type whose payload breaks its schema.
 */
export function malformedBodies(known: { id: string; type: string; payload: unknown }): unknown[] {
  return [
    "definitely not json {",
    { hello: "not an envelope" },
    { ...known, id: `${known.id}-unknown`, type: "NoSuchEventType" },
    { ...known, id: `${known.id}-bad`, payload: { nonsense: true } },
  ];
}
