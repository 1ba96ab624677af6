import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { countD1Calls } from "../bench/d1-calls";
import { coalescedReads } from "../src/inbox/coalesced-reads";
import { tallies } from "./worker/src/schema";

const seed = (id: string, value: number) =>
  env.DB.prepare("INSERT OR REPLACE INTO tallies (id, value) VALUES (?, ?)").bind(id, value).run();

const tallyOf = (db: ReturnType<typeof drizzle>, id: string) =>
  db
    .select({ value: tallies.value })
    .from(tallies)
    .where(sql`${tallies.id} = ${id}`)
    .get()
    .then((row) => row?.value);

describe("coalesced reads", () => {
  it("sends the concurrent reads of many tasks as one D1 call per read step, with each task's own answers", async () => {
    await Promise.all([seed("cr-a", 1), seed("cr-b", 2), seed("cr-c", 3)]);
    const reads = coalescedReads(env.DB);
    const db = drizzle(reads.d1);
    const before = countD1Calls(env.DB).total;
    const results = await reads.runAll<unknown>([
      // Two reads started together.
      () => Promise.all([tallyOf(db, "cr-a"), tallyOf(db, "cr-b")]),
      // A read-only batch (one transaction) and a raw statement.
      async () => {
        const [a, c] = await db.batch([
          db.select().from(tallies).where(sql`${tallies.id} = 'cr-a'`),
          db.select().from(tallies).where(sql`${tallies.id} = 'cr-c'`),
        ]);
        const raw = await reads.d1
          .prepare("SELECT value FROM tallies WHERE id = ?")
          .bind("cr-b")
          .first("value");
        return [a[0]?.value, c[0]?.value, raw];
      },
      // Two reads one after the other.
      async () => [await tallyOf(db, "cr-c"), await tallyOf(db, "cr-a")],
      // No read at all.
      async () => "none",
    ]);
    const calls = countD1Calls(env.DB).total - before;
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : r.reason))).toEqual([
      [1, 2],
      [1, 3, 2],
      [3, 1],
      "none",
    ]);
    // Step one: 2 + 2 + 1 reads; step two: the raw read and the second sequential read.
    expect(calls).toBe(2);
  });

  it("a bad query fails only its own task", async () => {
    await seed("cr-ok", 7);
    const reads = coalescedReads(env.DB);
    const db = drizzle(reads.d1);
    const [good, bad] = await reads.runAll<unknown>([
      () => tallyOf(db, "cr-ok"),
      () => reads.d1.prepare("SELECT nope FROM no_such_table").all(),
    ]);
    expect(good).toEqual({ status: "fulfilled", value: 7 });
    expect(bad?.status).toBe("rejected");
  });

  it("writes go straight through, not held", async () => {
    const reads = coalescedReads(env.DB);
    const db = drizzle(reads.d1);
    const [result] = await reads.runAll([
      async () => {
        await db.batch([db.insert(tallies).values({ id: "cr-write", value: 4 })]);
        return tallyOf(db, "cr-write");
      },
      // A task that never reads and takes a while: a write must not wait for it.
      () => new Promise((resolve) => setTimeout(resolve, 20)),
    ]);
    expect(result).toEqual({ status: "fulfilled", value: 4 });
  });
});
