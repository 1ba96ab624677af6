/**
 * Empties every table of `db` but the migrations' own: a test file starts from the state its
 * migrations leave, also when the runtime ran other files before it (vitest's `isolate: false`,
 * which spares each file a runtime start of its own).
 */
export async function emptyTables(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' " +
        "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name <> 'd1_migrations'",
    )
    .all<{ name: string }>();
  if (results.length === 0) return;
  // All rows go, so the foreign keys hold again at the end of the batch (D1 enforces them).
  await db.batch([
    db.prepare("PRAGMA defer_foreign_keys = ON"),
    ...results.map(({ name }) => db.prepare(`DELETE FROM "${name.replaceAll('"', '""')}"`)),
  ]);
}
