/** What one retention run may spend (retention.ts). Workers-free: the bench sizes with it too. */

/**
 * A run's time budget. The cron runs every minute: a quarter of it leaves the database to live
 * traffic most of the time and runs never overlap. Far inside a Worker's limits (a cron's CPU
 * time is 30 s by default, and deleting is the database's time, not the Worker's).
 */
export const RETENTION_RUN_MS = 15_000;
/**
 * Rows per DELETE: one holds the single-threaded database for tens of milliseconds (D1 allows
 * 30 s a query), and with every kind backlogged at once a run's statements still reach 160,000
 * rows of each (issue 26's sizing: README, "Housekeeping").
 */
export const RETENTION_CHUNK_ROWS = 2_000;
/**
 * D1 statements a run may use: D1 allows 1,000 queries per Worker invocation (paid plan), and
 * the cron's relay pokes and the service's own scheduled work need some. A cron over several
 * shards shares it (define-service.ts divides it).
 */
export const RETENTION_STATEMENTS = 400;
