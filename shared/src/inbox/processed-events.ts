import { inArray } from "drizzle-orm";
import { inbox } from "../db/kit-schema";
import { runsWithin } from "../db/runs-within";
import type { AnyD1Database, Statement } from "../db/types";
import type { Envelope } from "../envelope";

/** A message body as sent (an object), or parsed from JSON text; anything else unchanged. */
export function decodeBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** The event id a message body claims, if it has one. */
export function eventIdOf(body: unknown): string | undefined {
  const id = (decodeBody(body) as Partial<Envelope> | null | undefined)?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Event ids of the batch already in the inbox (applied): one query instead of one per message.
 * @example const applied = await processedAmong(db, batch.messages)
 */
export async function processedAmong(
  db: AnyD1Database,
  messages: readonly Message[],
): Promise<Set<string>> {
  const ids = messages.map((message) => eventIdOf(message.body)).filter((id) => id !== undefined);
  if (ids.length === 0) return new Set();
  // D1 binds at most 100 parameters per query; a queue batch holds at most 100 messages.
  const rows = await db
    .select({ id: inbox.eventId })
    .from(inbox)
    .where(inArray(inbox.eventId, [...new Set(ids)].slice(0, 100)))
    .all();
  return new Set(rows.map((row) => row.id));
}

/**
 * The statement finding which of the messages' events the inbox holds (rows `{ id }`), for
 * riding in a batch of reads. json_each: one bound parameter however many ids.
 */
export function inboxLookup(d1: D1Database, messages: readonly Message[]): D1PreparedStatement {
  const ids = [...new Set(messages.map((m) => eventIdOf(m.body)).filter((id) => id !== undefined))];
  return d1
    .prepare("SELECT event_id AS id FROM inbox WHERE event_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids));
}

/** Rows per multi-row insert: 6 bound parameters a row stays under D1's 100 per statement. */
const ROWS_PER_INSERT = 16;

/**
 * The inbox rows marking events applied, several per statement. Commit them in the batch of
 * the effects: the primary key refuses a second copy and rolls the whole batch back.
 */
export function inboxInserts(
  db: AnyD1Database,
  rows: readonly (typeof inbox.$inferInsert)[],
): Statement[] {
  return runsWithin(rows, ROWS_PER_INSERT).map((run) => db.insert(inbox).values(run));
}
