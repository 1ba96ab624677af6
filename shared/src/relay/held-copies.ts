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
  dueAt: number;
  resends: number;
}

const PREFIX = "held:";
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
        `${PREFIX}${e.id}`,
        { body: JSON.stringify(e), dueAt, resends: 0 } satisfies HeldCopy,
      ]),
    ),
  );
}

export interface HeldRun {
  /** Copies sent again this run. */
  resent: number;
  /** Copies left held; when the next one falls due (null: none held). */
  held: number;
  nextDueAt: number | null;
  operations: number;
}

/**
 * Drops the copies the service has applied (or dead-lettered) and sends the due rest to its
 * inbox again, each with a doubled wait. One storage list, one D1 read, one send per run.
 */
export async function resendHeldCopies(
  storage: DurableObjectStorage,
  db: D1Database,
  inbox: Queue | undefined,
  now: number,
  checkMs: number,
): Promise<HeldRun> {
  const all = await storage.list<HeldCopy>({ prefix: PREFIX });
  const due = [...all].filter(([, c]) => c.dueAt <= now).slice(0, CHECKED_PER_RUN);
  let operations = 1;
  let resent = 0;
  if (due.length > 0) {
    const ids = due.map(([key]) => key.slice(PREFIX.length));
    const { results } = await db
      .prepare(
        `SELECT event_id AS id FROM inbox WHERE event_id IN (SELECT value FROM json_each(?1))
         UNION SELECT event_id FROM dead_letters WHERE event_id IN (SELECT value FROM json_each(?1))`,
      )
      .bind(JSON.stringify(ids))
      .all<{ id: string }>();
    operations++;
    const handled = new Set(results.map((r) => r.id));
    const gone = due.filter(([key]) => handled.has(key.slice(PREFIX.length)));
    const missing = due.filter(([key]) => !handled.has(key.slice(PREFIX.length)));
    if (gone.length > 0) await storage.delete(gone.map(([key]) => key));
    for (const [key] of gone) all.delete(key);
    if (missing.length > 0 && inbox) {
      await inbox.sendBatch(
        missing.map(([, c]) => ({ body: JSON.parse(c.body) as unknown, contentType: "json" })),
      );
      operations++;
      resent = missing.length;
      const later = missing.map(([key, c]): [string, HeldCopy] => [
        key,
        {
          ...c,
          resends: c.resends + 1,
          dueAt: now + Math.min(checkMs * 2 ** (c.resends + 1), MAX_BACKOFF_MS),
        },
      ]);
      await storage.put(Object.fromEntries(later));
      for (const [key, c] of later) all.set(key, c);
    }
  }
  const dueTimes = [...all.values()].map((c) => c.dueAt);
  return {
    resent,
    held: all.size,
    nextDueAt: dueTimes.length > 0 ? Math.min(...dueTimes) : null,
    operations,
  };
}
