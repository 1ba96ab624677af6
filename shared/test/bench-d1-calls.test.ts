import { env, exports } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { countD1Calls, type D1CallCounts } from "../bench/d1-calls";
import { db } from "./helpers";
import { tallies } from "./worker/src/schema";

const readCounts = async (): Promise<D1CallCounts> => {
  const res = await exports.default.fetch("http://kit/bench/d1-calls");
  expect(res.status).toBe(200);
  return (await res.json()) as D1CallCounts;
};

/** The D1 calls `work` makes, as the admin route reports them (same isolate). */
async function callsOf(work: () => Promise<unknown>): Promise<number> {
  const before = await readCounts();
  await work();
  const after = await readCounts();
  expect(after.isolate).toBe(before.isolate);
  return after.total - before.total;
}

describe("bench D1 call counting", () => {
  it("one drizzle select counts 1 (get, all), one prepared statement call counts 1", async () => {
    await db.insert(tallies).values({ id: "d1-calls", value: 1 }).onConflictDoNothing().run();
    expect(
      await callsOf(() => db.select().from(tallies).where(eq(tallies.id, "d1-calls")).get()),
    ).toBe(1);
    expect(await callsOf(() => db.select().from(tallies).all())).toBe(1);
    expect(
      await callsOf(() =>
        env.DB.prepare("SELECT value FROM tallies WHERE id = ?").bind("d1-calls").first(),
      ),
    ).toBe(1);
    expect(await callsOf(() => env.DB.prepare("SELECT 1").raw())).toBe(1);
    expect(
      await callsOf(() => db.update(tallies).set({ value: 2 }).where(eq(tallies.id, "d1-calls"))),
    ).toBe(1);
    expect(await callsOf(() => env.DB.exec("SELECT 1"))).toBe(1);
    // Building and binding statements does not reach the database.
    expect(await callsOf(async () => env.DB.prepare("SELECT 1").bind())).toBe(0);
  });

  it("one db.batch of N statements counts 1 (drizzle and D1)", async () => {
    const statements = Array.from({ length: 25 }, (_, i) =>
      db
        .insert(tallies)
        .values({ id: `d1-batch-${i}`, value: 1 })
        .onConflictDoUpdate({ target: tallies.id, set: { value: sql`${tallies.value} + 1` } }),
    );
    expect(
      await callsOf(() => db.batch(statements as [(typeof statements)[0], ...typeof statements])),
    ).toBe(1);
    expect(
      await callsOf(() =>
        env.DB.batch(
          Array.from({ length: 10 }, (_, i) =>
            env.DB.prepare("SELECT value FROM tallies WHERE id = ?").bind(`d1-batch-${i}`),
          ),
        ),
      ),
    ).toBe(1);
  });

  it("counts by method, patches once per isolate", async () => {
    const first = countD1Calls(env.DB);
    const second = countD1Calls(env.DB);
    expect(second.isolate).toBe(first.isolate);
    await env.DB.prepare("SELECT 1").all();
    const third = countD1Calls(env.DB);
    expect(third.byMethod.all).toBe(first.byMethod.all + 1);
    expect(third.total).toBe(first.total + 1);
  });

  it("one database: the route counts every call of its binding as shard 0's", async () => {
    const before = await readCounts();
    await env.DB.prepare("SELECT 1").bind().all();
    await db.select().from(tallies).all();
    const after = await readCounts();
    expect(after.byShard).toHaveLength(1);
    expect((after.byShard[0] ?? 0) - (before.byShard[0] ?? 0)).toBe(after.total - before.total);
    expect(after.unattributed).toBe(before.unattributed);
  });

  it("counts rows read and written as D1 reports them (meta), first() and raw() too", async () => {
    const rowsOf = async (work: () => Promise<unknown>) => {
      const before = await readCounts();
      await work();
      const after = await readCounts();
      type Rows = { d1RowsRead: number | null; d1RowsWritten: number | null };
      const [was, is] = [before, after] as unknown as Rows[];
      return {
        read: (is?.d1RowsRead ?? Number.NaN) - (was?.d1RowsRead ?? 0),
        written: (is?.d1RowsWritten ?? Number.NaN) - (was?.d1RowsWritten ?? 0),
      };
    };
    await env.DB.exec("DELETE FROM tallies WHERE id LIKE 'rows-%'");
    const insert = await env.DB.prepare(
      "INSERT INTO tallies (id, value) VALUES ('rows-1', 1), ('rows-2', 2), ('rows-3', 3)",
    ).run();
    // What D1 says it wrote (rows and their index entries) is what is counted, nothing else.
    const written = await rowsOf(() =>
      env.DB.prepare("UPDATE tallies SET value = value + 1 WHERE id LIKE 'rows-%'").run(),
    );
    expect(written.written).toBeGreaterThanOrEqual(3);
    expect(insert.meta.rows_written).toBeGreaterThanOrEqual(3);
    const scan = "SELECT value FROM tallies WHERE id LIKE 'rows-%'";
    const viaAll = await rowsOf(() => env.DB.prepare(scan).all());
    expect(viaAll.read).toBeGreaterThanOrEqual(3);
    expect(viaAll.written).toBe(0);
    // first() and raw() drop the meta; the counter still sees it.
    expect(await rowsOf(() => env.DB.prepare(scan).raw())).toEqual(viaAll);
    expect(await rowsOf(() => env.DB.prepare(scan).first())).toEqual(viaAll);
  });
});
