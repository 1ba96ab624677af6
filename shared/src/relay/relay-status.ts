import { delayMs, RETRY_POLICIES } from "../retry/retry-policies";
import { totalUnrouted } from "./relay-send";

/** What a relay says of itself (`/admin/outbox`, `/admin/stats`), stored after each run. */
export interface RelayStatus {
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  consecutiveFailures: number;
  publishedTotal: number;
  /** Events sent again to a subscriber that had not sent a receipt for them. */
  resentTotal: number;
  /** Self-read copies sent again to the service's own inbox, which had not applied them. */
  heldResentTotal?: number;
  /** Messages not sent for want of a subscriber's queue binding, by subscriber (relay-send.ts). */
  unrouted?: Record<string, number>;
  /** When the alarm will next run, if armed. */
  nextAlarmAt: number | null;
}

export const STATUS_KEY = "relay-status";

/** A relay's status before its first run. */
export const EMPTY_RELAY_STATUS: Readonly<RelayStatus> = {
  lastRunAt: null,
  lastSuccessAt: null,
  lastError: null,
  lastErrorAt: null,
  consecutiveFailures: 0,
  publishedTotal: 0,
  resentTotal: 0,
  nextAlarmAt: null,
};

/** Delay before the next try after `failures` failed runs in a row (`RETRY_POLICIES.relay`). */
export function relayBackoffMs(failures: number): number {
  return delayMs(RETRY_POLICIES.relay, failures);
}

/** The status after a run that succeeded: its counts added, the failure streak over. */
export function statusAfterRun(
  status: RelayStatus,
  run: {
    now: number;
    published: number;
    resent: number;
    heldResent: number;
    unrouted: Parameters<typeof totalUnrouted>[1][];
  },
): RelayStatus {
  return {
    ...status,
    lastRunAt: run.now,
    lastSuccessAt: Date.now(),
    consecutiveFailures: 0,
    publishedTotal: status.publishedTotal + run.published,
    resentTotal: status.resentTotal + run.resent,
    heldResentTotal: (status.heldResentTotal ?? 0) + run.heldResent,
    unrouted: totalUnrouted(status.unrouted, ...run.unrouted),
  };
}

/**
 * The status after a run that failed. Backoff is for a relay that gets nowhere: one that
 * published pages before a send failed tries again soon (its streak restarts at 1). Under a
 * backlog nearly every run meets some failure, and a growing backoff would stall the whole
 * outbox for minutes (it did, in a 5,000-order chaos run).
 */
export function statusAfterFailure(
  status: RelayStatus,
  run: {
    now: number;
    error: string;
    published: number;
    unrouted: Parameters<typeof totalUnrouted>[1];
  },
): RelayStatus {
  return {
    ...status,
    lastRunAt: run.now,
    lastError: run.error,
    lastErrorAt: Date.now(),
    consecutiveFailures: run.published > 0 ? 1 : status.consecutiveFailures + 1,
    publishedTotal: status.publishedTotal + run.published,
    unrouted: totalUnrouted(status.unrouted, run.unrouted),
  };
}
