import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  isNotNull,
  isNull,
  lt,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { deadLetterAudit, deadLetters } from "../db/kit-schema";
import type { ShardCriteria } from "../dead-letters/bulk-filter";

/** The SQL of the dead-letter routes (dead-letter-routes.ts, dead-letter-bulk-routes.ts). */

/** The newest 100 dead letters, open or resolved ones only when `status` says. */
export function listDeadLetters(d1: D1Database, status?: "open" | "resolved") {
  return drizzle(d1)
    .select()
    .from(deadLetters)
    .where(
      status === "open"
        ? isNull(deadLetters.resolvedAt)
        : status === "resolved"
          ? isNotNull(deadLetters.resolvedAt)
          : undefined,
    )
    .orderBy(desc(deadLetters.receivedAt))
    .limit(100)
    .all();
}

/** One dead letter, or undefined. */
export function deadLetterById(d1: D1Database, id: string) {
  return drizzle(d1).select().from(deadLetters).where(eq(deadLetters.id, id)).get();
}

/**
 * The open dead letters matching every criterion given. Ids go in as one JSON parameter: D1
 * binds at most 100 parameters a statement. The reason is a case-sensitive substring (`instr`).
 */
function openMatching(c: ShardCriteria): SQL | undefined {
  return and(
    isNull(deadLetters.resolvedAt),
    c.eventType === undefined ? undefined : eq(deadLetters.eventType, c.eventType),
    c.reason === undefined ? undefined : sql`instr(${deadLetters.reason}, ${c.reason}) > 0`,
    c.fromMs === undefined ? undefined : gte(deadLetters.receivedAt, c.fromMs),
    c.toMs === undefined ? undefined : lt(deadLetters.receivedAt, c.toMs),
    c.ids === undefined
      ? undefined
      : sql`${deadLetters.id} IN (SELECT value FROM json_each(${JSON.stringify(c.ids)}))`,
  );
}

/** How many open dead letters match. */
export async function countOpenMatches(d1: D1Database, c: ShardCriteria): Promise<number> {
  const row = await drizzle(d1)
    .select({ n: count() })
    .from(deadLetters)
    .where(openMatching(c))
    .get();
  return row?.n ?? 0;
}

/** Where a chunk of matches ended: the next chunk starts after it (oldest first, then by id). */
export interface MatchKey {
  receivedAt: number;
  id: string;
}

/** The next `limit` open matches after `after`, oldest first: one chunk of a bulk action. */
export function openMatches(
  d1: D1Database,
  c: ShardCriteria,
  after: MatchKey | null,
  limit: number,
) {
  return drizzle(d1)
    .select()
    .from(deadLetters)
    .where(
      and(
        openMatching(c),
        after === null
          ? undefined
          : or(
              sql`${deadLetters.receivedAt} > ${after.receivedAt}`,
              and(
                eq(deadLetters.receivedAt, after.receivedAt),
                sql`${deadLetters.id} > ${after.id}`,
              ),
            ),
      ),
    )
    .orderBy(asc(deadLetters.receivedAt), asc(deadLetters.id))
    .limit(limit)
    .all();
}

export type AuditRow = typeof deadLetterAudit.$inferInsert;

/** Records one bulk action. */
export async function recordAudit(d1: D1Database, row: AuditRow): Promise<void> {
  await drizzle(d1).insert(deadLetterAudit).values(row).run();
}

/** Bulk actions newest first, after the id `after` (ids are UUIDv7: newer is greater). */
export function auditPage(d1: D1Database, after: string, limit: number) {
  return drizzle(d1)
    .select()
    .from(deadLetterAudit)
    .where(after ? lt(deadLetterAudit.id, after) : undefined)
    .orderBy(desc(deadLetterAudit.id))
    .limit(limit)
    .all();
}
