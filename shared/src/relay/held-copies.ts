import { errorText } from "../db/types";
import type { Envelope } from "../envelope";
import type { Logger } from "../log/logger";
import { heldCopyDueAt } from "../receipts/resend-policy";
import { readHandled } from "./relay-queries";

export { DEFAULT_HELD_CHECK_MS } from "../receipts/resend-policy";

/**
 * Self-read's safety copy. A service that publishes an event to its own inbox instead of
 * committing it (the request writes nothing) has, until its consumer applied the event, no
 * copy of it but the broker's. Its relay keeps one in the Durable Object's storage and sends it
 * to the service's inbox again (same id: the inbox drops a copy) until the service's inbox
 * (or its dead letters) holds it, so a message the broker lost still arrives. When: rule 4 of
 * receipts/resend-policy.ts.
 */
export interface HeldCopy {
  body: string;
  resends: number;
}

/**
 * Keys sort by when the copy falls due (`held:<dueAt, 15 digits>:<event id>`), so a run lists
 * only what is due and the next due is the first key: the storage rows read per run stay
 * those it acts on, however many copies are held.
 */
const PREFIX = "held:";
const keyOf = (dueAt: number, eventId: string) =>
  `${PREFIX}${String(dueAt).padStart(15, "0")}:${eventId}`;
const eventIdOf = (key: string) => key.slice(PREFIX.length + 16);
const dueAtOf = (key: string) => Number(key.slice(PREFIX.length, PREFIX.length + 15));
/** Copies checked per alarm run, at most (one D1 read and one send for them all). */
const CHECKED_PER_RUN = 100;
/** A run that failed is tried again this much later. */
const RETRY_FAILED_RUN_MS = 5_000;

export async function holdCopies(
  storage: DurableObjectStorage,
  events: readonly Envelope[],
  dueAt: number,
): Promise<void> {
  await storage.put(
    Object.fromEntries(
      events.map((e) => [
        keyOf(dueAt, e.id),
        { body: JSON.stringify(e), resends: 0 } satisfies HeldCopy,
      ]),
    ),
  );
}

export interface HeldRun {
  /** Copies sent again this run. */
  resent: number;
  /** When the next held copy falls due (null: none held). */
  nextDueAt: number | null;
}

/**
 * Drops the due copies the service has applied (or dead-lettered) and sends the rest to its
 * inbox again, each with a doubled wait. One D1 read and one send per run, for up to 100.
 */
export async function resendHeldCopies(
  storage: DurableObjectStorage,
  db: D1Database,
  inbox: Queue | undefined,
  now: number,
  checkMs: number,
): Promise<HeldRun> {
  const due = [
    ...(await storage.list<HeldCopy>({
      start: PREFIX,
      end: keyOf(now + 1, ""),
      limit: CHECKED_PER_RUN,
    })),
  ];
  let resent = 0;
  if (due.length > 0) {
    const handled = await readHandled(
      db,
      due.map(([key]) => eventIdOf(key)),
    );
    const missing = due.filter(([key]) => !handled.has(eventIdOf(key)));
    if (missing.length > 0) {
      // No inbox bound is a deploy error the send would name; the copies wait for the fix.
      if (inbox) {
        await inbox.sendBatch(
          missing.map(([, c]) => ({ body: JSON.parse(c.body) as unknown, contentType: "json" })),
        );
        resent = missing.length;
      }
      await storage.put(
        Object.fromEntries(
          missing.map(([key, c]) => [
            keyOf(heldCopyDueAt(now, c.resends, checkMs), eventIdOf(key)),
            { ...c, resends: c.resends + 1 },
          ]),
        ),
      );
    }
    // Every key checked: applied ones are done, the others were put again under their next time.
    await storage.delete(due.map(([key]) => key));
  }
  const [next] = await storage.list<HeldCopy>({ prefix: PREFIX, limit: 1 });
  return { resent, nextDueAt: next ? dueAtOf(next[0]) : null };
}

/** The relay's held copies: what it holds in its storage, and when the next one falls due. */
export class HeldCopies {
  /** When the next held copy falls due (0: unknown, look; null: none held). */
  dueAt: number | null = 0;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Keeps a copy of each event, first checked `checkMs` from now; returns when that is. */
  async hold(events: readonly Envelope[], checkMs: number): Promise<number> {
    const dueAt = Date.now() + checkMs;
    await holdCopies(this.storage, events, dueAt);
    if (this.dueAt === null || this.dueAt > dueAt) this.dueAt = dueAt;
    return dueAt;
  }

  /** The held copies' run, when one is due; a failure is logged and tried again in 5 s. */
  async run(
    db: D1Database,
    inbox: Queue | undefined,
    now: number,
    checkMs: number,
    log: Logger,
  ): Promise<number> {
    if (this.dueAt === null || this.dueAt > now) return 0;
    try {
      const run = await resendHeldCopies(this.storage, db, inbox, now, checkMs);
      this.dueAt = run.nextDueAt;
      return run.resent;
    } catch (error) {
      this.dueAt = now + RETRY_FAILED_RUN_MS;
      log.error("held copies not checked", { error: errorText(error) });
      return 0;
    }
  }
}
