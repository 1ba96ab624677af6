import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runBatch } from "../src/db/types";
import { MAX_EVENT_BYTES, outboxInserts } from "../src/outbox/outbox-writer";
import { count, db, increment } from "./helpers";
import { tallies } from "./worker/src/schema";

describe("outbox writer", () => {
  it("commits the state change and its event together", async () => {
    const event = increment("atomic-ok", 3);
    await runBatch(db, [
      db.insert(tallies).values({ id: "atomic-ok", value: 3 }),
      ...outboxInserts(db, [event]),
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM tallies WHERE id = 'atomic-ok'")).toBe(1);
    const row = await db.run(
      sql`SELECT body, published_at FROM outbox WHERE event_id = ${event.id}`,
    );
    expect(row.results).toHaveLength(1);
    expect(JSON.parse((row.results[0] as { body: string }).body)).toEqual(event);
    expect((row.results[0] as { published_at: number | null }).published_at).toBeNull();
  });

  it("leaves neither state nor event when any statement of the batch fails", async () => {
    await runBatch(db, [db.insert(tallies).values({ id: "atomic-fail", value: 1 })]);
    const event = increment("atomic-fail", 1);
    const attempt = runBatch(db, [
      db.update(tallies).set({ value: 50 }).where(eq(tallies.id, "atomic-fail")),
      ...outboxInserts(db, [event]),
      // Violates CHECK (value >= 0): the whole batch must roll back.
      db.update(tallies).set({ value: -1 }).where(eq(tallies.id, "atomic-fail")),
    ]);
    await expect(attempt).rejects.toThrow(/CHECK constraint failed/);
    expect(await count("SELECT value AS n FROM tallies WHERE id = 'atomic-fail'")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE event_id = ?", event.id)).toBe(0);
  });

  it("records an event sent another way as published, awaiting each subscriber's receipt", async () => {
    const event = increment("already-sent", 1);
    await runBatch(
      db,
      outboxInserts(db, [event], 1_000, {
        subscribersOf: () => ["tester", "audit"],
        resendAfterMs: 30_000,
      }),
    );
    const row = await db.run(
      sql`SELECT published_at, awaiting, next_resend_at FROM outbox WHERE event_id = ${event.id}`,
    );
    // The relay never sends it; one whose receipt does not come gets it again after 30 s.
    expect(row.results).toEqual([
      { published_at: 1_000, awaiting: '["tester","audit"]', next_resend_at: 31_000 },
    ]);
  });

  it("refuses an event too large for a queue message before it reaches the outbox", () => {
    const event = { ...increment("big"), payload: { blob: "x".repeat(MAX_EVENT_BYTES) } };
    expect(() => outboxInserts(db, [event])).toThrow(/limit is/);
  });
});
