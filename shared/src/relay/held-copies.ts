import type { Envelope } from "../envelope";

/**
 * Self-read's safety copy. A service that publishes an event to its own inbox instead of
 * committing it (the request writes nothing) has, until its consumer applied the event, no
 * copy of it but the broker's. Its relay keeps one in the Durable Object's storage and sends it
 * to the service's inbox again (same id: the inbox drops a copy) until the service's inbox
 * (or its dead letters) holds it, so a message the broker lost still arrives.
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
const MAX_BACKOFF_MS = 600_000;

/** Checked once it had this long to arrive, then after twice as long, up to 10 minutes. */
export const DEFAULT_HELD_CHECK_MS = 30_000;

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
    const ids = due.map(([key]) => eventIdOf(key));
    const { results } = await db
      .prepare(
        `SELECT event_id AS id FROM inbox WHERE event_id IN (SELECT value FROM json_each(?1))
         UNION SELECT event_id FROM dead_letters WHERE event_id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(JSON.stringify(ids))
      .all<{ id: string }>();
    const handled = new Set(results.map((r) => r.id));
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
            keyOf(now + Math.min(checkMs * 2 ** (c.resends + 1), MAX_BACKOFF_MS), eventIdOf(key)),
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
