import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";

/** Any drizzle D1 database, whatever its schema. */
// biome-ignore lint/suspicious/noExplicitAny: services bring their own schema
export type AnyD1Database = DrizzleD1Database<any>;
/** One statement of a D1 batch. */
export type Statement = BatchItem<"sqlite">;

/** D1 rejects an empty batch; drizzle wants a non-empty tuple. */
export function runBatch(db: AnyD1Database, statements: Statement[]): Promise<unknown[]> {
  if (statements.length === 0) return Promise.resolve([]);
  return db.batch(statements as [Statement, ...Statement[]]);
}

/** The text of an error and its causes: D1 reports constraint names only in the message. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" <- ");
}

/** True when SQLite refused a statement for a CHECK, UNIQUE, NOT NULL or FOREIGN KEY rule. */
export function isConstraintError(error: unknown): boolean {
  return /constraint failed|SQLITE_CONSTRAINT/i.test(errorText(error));
}
