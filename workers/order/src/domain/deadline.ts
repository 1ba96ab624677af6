import type { SagaEvent, SagaState } from "./saga";

/**
 * The saga's deadline rule, pure: an order still waiting for an answer at `placed + deadline`
 * is rejected TIMED_OUT, compensated like any rejection. The answers it got are kept as they
 * were; one that comes later finds the order decided and is ignored (`decideReply`). The
 * order relay's alarm applies it (saga-deadline.ts), at the time `nextDeadlineCheck` says.
 */

/** The deadline unless `SAGA_DEADLINE_SECONDS` says otherwise. */
export const DEFAULT_SAGA_DEADLINE_SECONDS = 60;

export type TimeoutDecision =
  | { kind: "ignore"; why: "ORDER_NOT_PENDING" | "NOT_DUE" }
  | { kind: "change"; state: SagaState; event: SagaEvent };

/**
 * `SAGA_DEADLINE_SECONDS` in ms (the default when unset); null when it is set but not a
 * positive number.
 * @example parseSagaDeadline("0.5") // 500
 */
export function parseSagaDeadline(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return DEFAULT_SAGA_DEADLINE_SECONDS * 1000;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

/** When an order placed at `placedAt` (epoch ms) times out. */
export function deadlineOf(placedAt: number, deadlineMs: number): number {
  return placedAt + deadlineMs;
}

/** Rejects a pending order TIMED_OUT once its deadline has come; anything else is left alone. */
export function decideTimeout(
  state: SagaState,
  placedAt: number,
  now: number,
  deadlineMs: number,
): TimeoutDecision {
  if (state.status !== "PENDING") return { kind: "ignore", why: "ORDER_NOT_PENDING" };
  if (now < deadlineOf(placedAt, deadlineMs)) return { kind: "ignore", why: "NOT_DUE" };
  return {
    kind: "change",
    state: { ...state, status: "REJECTED", rejectionReason: "TIMED_OUT" },
    event: { type: "OrderRejected", reason: "TIMED_OUT" },
  };
}

/**
 * When the deadline check is next due: at the oldest still-pending order's deadline, or, with
 * none pending, one deadline from now (an order placed later cannot fall due before that).
 */
export function nextDeadlineCheck(
  oldestPendingPlacedAt: number | null,
  now: number,
  deadlineMs: number,
): number {
  return deadlineOf(oldestPendingPlacedAt ?? now, deadlineMs);
}
