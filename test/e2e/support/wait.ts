import type { Order, OrderStatus } from "@edge-saga/contracts";
import { read } from "@edge-saga/contracts/client";
import { api } from "./api";
import { poll } from "./poll";

export { poll, sleep } from "./poll";

/**
 * The order as it is now; undefined while it does not exist yet (self-read: an accepted order
 * exists once the order service consumed its own OrderPlaced; README, "Write paths").
 */
async function currentOrder(id: string): Promise<Order | undefined> {
  const answer = await read(api.orderClient(id).orders[":id"].$get({ param: { id } }));
  if (answer.status === 404) return undefined;
  if (answer.status !== 200)
    throw new Error(`GET /orders/${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Waits until an accepted order exists (at once, but on the self-read path). */
export function waitForOrderToExist(id: string, timeoutMs = 30_000): Promise<Order> {
  return poll(() => currentOrder(id), { what: `order ${id} to exist`, timeoutMs });
}

/**
 * Waits until order `id` has `status`, by the client's held reads (`Prefer: wait`), not a poll
 * loop. An order that settles in another status fails at once: the saga only leaves PENDING
 * once (CANCELLED comes only from an explicit cancel).
 */
export async function waitForOrder(
  id: string,
  status: OrderStatus,
  timeoutMs = 30_000,
): Promise<Order> {
  const order = await api.waitForOutcome(id, timeoutMs);
  if (order?.status === status) return order;
  throw new Error(
    order?.status === "PENDING" || !order
      ? `timed out waiting for order ${id} to be ${status}: ${JSON.stringify(order)}`
      : `order ${id} is ${order.status}, expected ${status}: ${JSON.stringify(order)}`,
  );
}

/**
 * Waits until nothing moves: no pending outbox row on any service and the outbox and inbox
 * row counts unchanged over `stableMs` (an event published but not yet consumed shows up as
 * a later inbox row). What "the system is quiet" means in design.md's invariants.
 */
export async function waitForQuiet(options: { timeoutMs?: number; stableMs?: number } = {}) {
  const stableMs = options.stableMs ?? 300;
  let previous = "";
  let since = Date.now();
  let lastSeen = "";
  await poll(
    async () => {
      const services = await api.outbox();
      const fingerprint = JSON.stringify(
        Object.entries(services).map(([name, s]) => [name, s.pending, s.outboxRows, s.inboxRows]),
      );
      lastSeen = fingerprint;
      const pending = Object.values(services).some((s) => s.pending > 0);
      if (pending || fingerprint !== previous) {
        previous = fingerprint;
        since = Date.now();
        return undefined;
      }
      return Date.now() - since >= stableMs ? true : undefined;
    },
    { what: "a quiet system", timeoutMs: options.timeoutMs ?? 30_000, last: () => lastSeen },
  );
}
