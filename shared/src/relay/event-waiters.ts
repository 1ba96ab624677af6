/**
 * Requests held until an event of theirs passes the relay (`Prefer: wait` on a resource whose
 * state changes by events): kept in the relay's memory only. A lost wake-up (a lost poke, an
 * evicted relay) just lets the wait run to its timeout, after which the caller reads the state
 * anyway, so nothing here needs storing.
 */
export class EventWaiters {
  private readonly waiting = new Map<string, Set<(woken: boolean) => void>>();

  /**
   * Resolves true when an event with `correlationId` is handed to `wake`, false after
   * `timeoutMs`. `recheck` runs once the waiter is registered: true ends the wait at once (the
   * change came between the caller's read and the registration, so no event will follow).
   * @example const changed = await waiters.wait(orderId, 5_000, () => orderChanged(orderId));
   */
  async wait(
    correlationId: string,
    timeoutMs: number,
    recheck?: () => Promise<boolean>,
  ): Promise<boolean> {
    let settle: (woken: boolean) => void = () => {};
    const woken = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const set = this.waiting.get(correlationId) ?? new Set();
    this.waiting.set(correlationId, set);
    set.add(settle);
    const timer = setTimeout(() => settle(false), timeoutMs);
    try {
      if (recheck && (await recheck())) return true;
      return await woken;
    } finally {
      clearTimeout(timer);
      set.delete(settle);
      if (set.size === 0 && this.waiting.get(correlationId) === set)
        this.waiting.delete(correlationId);
    }
  }

  /** Wakes every waiter of the events' correlation ids (anything else is passed over). */
  wake(events: readonly unknown[]): void {
    if (this.waiting.size === 0) return;
    for (const event of events) {
      const id = (event as { correlationId?: unknown } | null)?.correlationId;
      if (typeof id !== "string") continue;
      for (const settle of this.waiting.get(id) ?? []) settle(true);
    }
  }

  /** How many requests are held (for tests and the relay's status). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
