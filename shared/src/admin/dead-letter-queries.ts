import { desc, eq, isNotNull, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { deadLetters } from "../db/kit-schema";

/** The SQL of the dead-letter routes (dead-letter-routes.ts). */

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
