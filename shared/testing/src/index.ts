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

/**
 * Sends the malformed bodies of `malformedBodies(valid)` and then `valid` through the
 * service's real inbox queue; resolves once `valid` is applied (`appliedCount` reaches 1)
 * and every malformed body sits in `dead_letters`. Returns the stored reasons.
 */
export async function sendMalformedThenValid(
  db: D1Database,
  inbox: Queue,
  valid: { id: string; type: string; payload: unknown },
  appliedCount: () => Promise<number>,
): Promise<string[]> {
  const { expect, vi } = await import("vitest");
  const bad = malformedBodies(valid);
  await inbox.sendBatch([...bad, valid].map((body) => ({ body })));
  const options = { timeout: 10_000, interval: 50 };
  await vi.waitFor(async () => expect(await appliedCount()).toBe(1), options);
  const letters = async () =>
    (await db.prepare("SELECT reason FROM dead_letters").all<{ reason: string }>()).results;
  await vi.waitFor(async () => expect(await letters()).toHaveLength(bad.length), options);
  return (await letters()).map((l) => l.reason);
}

export { inboxDeadLetterSuite } from "./inbox-dead-letter-suite";

/** A service binding that fails the way a crashed or missing service does. */
export const brokenService = {
  fetch: () => Promise.reject(new Error("service unavailable")),
} as unknown as Fetcher;

/**
 * Every row of a keyset-paged route (`?limit=&after=`, answer `{ [key]: rows, next }`), page by
 * page, checking each page honours the limit and answers 200.
 * @example const products = await readAllPages(request, "/admin/snapshot/products", "products", 2);
 */
export async function readAllPages<T>(
  request: (path: string) => Promise<Response>,
  path: string,
  key: string,
  limit: number,
): Promise<T[]> {
  const rows: T[] = [];
  let after = "";
  for (;;) {
    const res = await request(`${path}?limit=${limit}&after=${after}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    const body = await res.json<Record<string, unknown>>();
    const page = body[key] as T[];
    if (page.length > limit)
      throw new Error(`${path}: ${page.length} rows over the limit ${limit}`);
    rows.push(...page);
    if (body.next === null) return rows;
    after = body.next as string;
  }
}
export * from "./callers";
export * from "./fresh-tables";
export * from "./on-shards";
