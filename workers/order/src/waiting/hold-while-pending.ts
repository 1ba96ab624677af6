import type { OrderRow } from "../db/tables";

/** How the hold reaches the order's relay: `OutboxRelay.waitForEvent` on the order's shard. */
export type WaitForEvent = (timeoutMs: number, recheck: () => Promise<boolean>) => Promise<boolean>;

/**
 * `Prefer: wait` on a PENDING order: waits on the order's relay (which every event of the order
 * passes) until the order leaves PENDING or `seconds` pass, and returns the order as read last.
 * Not a D1 poll: the database is read when the waiter is registered (a change made since the
 * caller's read sends no later event), when an event of the order passed (OrderPlaced also
 * does, so a still PENDING order waits again for what is left) and once at the end (a lost poke
 * only makes the hold run to its end). A relay that cannot be reached ends the hold early.
 */
export async function holdWhilePending(
  row: OrderRow,
  seconds: number,
  read: () => Promise<OrderRow | undefined>,
  waitForEvent: WaitForEvent,
  onError: (error: unknown) => void,
): Promise<OrderRow | undefined> {
  const deadline = Date.now() + seconds * 1_000;
  let current: OrderRow | undefined = row;
  while (current?.status === "PENDING" && Date.now() < deadline) {
    let seen: OrderRow | undefined = current;
    try {
      await waitForEvent(deadline - Date.now(), async () => {
        seen = await read();
        return seen?.status !== "PENDING";
      });
    } catch (error) {
      onError(error);
      break;
    }
    current = seen?.status === "PENDING" ? await read() : seen;
  }
  return current;
}
