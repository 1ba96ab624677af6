import { inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { inbox } from "../db/kit-schema";
import type { Statement } from "../db/types";
import { runBatch } from "../db/types";
import { deadLetterInsert } from "../dead-letters/dead-letters";
import { type AggregateKey, gapReason } from "./ordered-apply";
import { orderedApplied, orderedHeld } from "./ordered-schema";

/**
 * Ordered apply's bounded wait, run by the cron's maintenance: an aggregate whose oldest held
 * event is past its wait gives up the sequences before its first held one, and every event it
 * held becomes a dead letter naming the gap (`GAP: ...`). Its inbox rows go in the same
 * commit, so replaying the dead letters in sequence order applies them, after what the
 * aggregate had applied; later events of the aggregate wait behind them meanwhile.
 */

/** The pseudo queue of a gap's dead letters (as "outbox" is for undeliverable ones). */
export const ORDERED_QUEUE = "ordered";

/** Aggregates one run gives up on at most (one D1 batch each). */
const AGGREGATES_PER_RUN = 50;

interface Held {
  eventId: string;
  sequence: number;
  type: string;
  body: string;
  heldAt: number;
  applied: number;
}

/**
 * Dead-letters the held events of aggregates past their wait at `now`; returns how many.
 * @example await sweepOrderedGaps(env.DB) // from runMaintenance({ orderedGaps: true })
 */
export async function sweepOrderedGaps(d1: D1Database, now = Date.now()): Promise<number> {
  const db = drizzle(d1);
  const keys = await db.all<AggregateKey>(sql`
    SELECT DISTINCT source, aggregate_type AS aggregateType, aggregate_id AS aggregateId
    FROM ordered_held WHERE expires_at <= ${now} LIMIT ${AGGREGATES_PER_RUN}`);
  let swept = 0;
  for (const key of keys) {
    const held = await db.all<Held>(sql`
      SELECT h.event_id AS eventId, h.sequence, h.type, h.body, h.held_at AS heldAt,
        COALESCE(a.sequence, 0) AS applied
      FROM ordered_held h LEFT JOIN ordered_applied a ON a.source = h.source
        AND a.aggregate_type = h.aggregate_type AND a.aggregate_id = h.aggregate_id
      WHERE h.source = ${key.source} AND h.aggregate_type = ${key.aggregateType}
        AND h.aggregate_id = ${key.aggregateId}
      ORDER BY h.sequence`);
    const [first] = held;
    if (!first) continue;
    const reason = gapReason(
      key,
      first.applied,
      held.map((h) => h.sequence),
      Math.min(...held.map((h) => h.heldAt)),
    );
    const ids = held.map((h) => h.eventId);
    const skipTo = first.sequence - 1;
    const statements: Statement[] = [
      ...held.map((h) =>
        deadLetterInsert(
          db,
          {
            queue: ORDERED_QUEUE,
            // Unique per holding: a replayed event held and given up again is stored again.
            messageId: `${h.eventId}@${h.heldAt}`,
            body: h.body,
            reason,
            attempts: 1,
            eventId: h.eventId,
            eventType: h.type,
          },
          now,
        ),
      ),
      // Not applied, so a replay must not find it applied.
      db.delete(inbox).where(inArray(inbox.eventId, ids)),
      // The missing sequences given up: the first held one applies next (when replayed).
      db
        .insert(orderedApplied)
        .values({ ...key, sequence: skipTo, previous: skipTo - 1, updatedAt: now })
        .onConflictDoUpdate({
          target: [orderedApplied.source, orderedApplied.aggregateType, orderedApplied.aggregateId],
          set: { sequence: skipTo, previous: skipTo - 1, updatedAt: now },
          setWhere: sql`${orderedApplied.sequence} < ${skipTo}`,
        }),
      db.delete(orderedHeld).where(inArray(orderedHeld.eventId, ids)),
    ];
    await runBatch(db, statements);
    swept += held.length;
  }
  return swept;
}
