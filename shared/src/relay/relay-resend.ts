import { decideResends, nextLookAfterRun, type Progress } from "../receipts/resend-policy";
import { receiptTimeoutMs } from "./relay-config";
import { type DueRow, markResentAndHeld, RESEND_ROWS } from "./relay-queries";
import { type SendContext, sendTimeoutMs, sendToSubscribers } from "./relay-send";

export interface ResendRun {
  /** Messages sent again (an event to two subscribers counts twice). */
  resent: number;
  /** Events sent again. */
  events: number;
  /** Due events held (nobody owes them yet). */
  held: number;
  more: boolean;
  operations: number;
  nextDueAt: number | null;
  /** Messages not sent for want of a subscriber's queue binding, by subscriber. */
  unrouted: Record<string, number>;
}

/**
 * Carries out the re-send rule (receipts/resend-policy.ts) on the events due: sends each
 * again to the subscribers that owe it, and pushes out the next look at every one of them.
 * Same ids: the inbox absorbs the copies of events that were handled after all (only their
 * receipt was lost or late).
 */
export async function resendDue(
  ctx: SendContext,
  due: DueRow[],
  progress: ReadonlyMap<string, Progress>,
): Promise<ResendRun> {
  if (due.length === 0)
    return {
      resent: 0,
      events: 0,
      held: 0,
      more: false,
      operations: 0,
      nextDueAt: null,
      unrouted: {},
    };
  const now = Date.now();
  const timeout = receiptTimeoutMs(ctx.config);
  const decision = decideResends(due, progress, now, timeout);
  const { targets, held } = decision;
  const { sends, failed, unrouted } = await sendToSubscribers(
    ctx,
    due.filter((row) => targets.has(row.eventId)),
    await sendTimeoutMs(ctx),
    (row) => targets.get(row.eventId) ?? [],
  );
  if (failed.error !== undefined) throw failed.error;
  await markResentAndHeld(ctx.config, now, [...targets.keys()], held);
  const skipped = Object.values(unrouted).reduce((n, m) => n + m, 0);
  return {
    resent: [...targets.values()].reduce((n, subscribers) => n + subscribers.length, 0) - skipped,
    events: targets.size,
    held: held.length,
    // A full page: more may be due (those just handled are not any more).
    more: due.length === RESEND_ROWS,
    operations: sends + 1,
    nextDueAt: nextLookAfterRun(now, decision, timeout),
    unrouted,
  };
}
