import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { countD1Calls } from "../../bench/d1-calls";
import { createEnvelope } from "../../src/envelope";
import { shardOf } from "../../src/shards/shard-routing";
import { tallies } from "../worker/src/schema";

/**
 * The bench's per-shard D1 counts (shared/bench/d1-calls.ts) on a service with two
 * databases: `npm run bench`'s "calls per saga on the busiest shard" rests on them.
 */
const shards = [env.DB, env.DB_1];
const wait = { timeout: 15_000, interval: 50 };

const keyOn = (prefix: string, shard: number) => {
  for (let i = 0; ; i++) if (shardOf(`${prefix}-${i}`, 2) === shard) return `${prefix}-${i}`;
};

/** The counts' change over `work`, with both shards named. */
async function countsOver(work: () => Promise<unknown>) {
  const before = countD1Calls(env.DB, shards);
  await work();
  const after = countD1Calls(env.DB, shards);
  return {
    total: after.total - before.total,
    byShard: after.byShard.map((n, i) => n - (before.byShard[i] ?? 0)),
    unattributed: after.unattributed - before.unattributed,
  };
}

describe("bench D1 calls per shard", () => {
  it("a binding no read named counts as unattributed, then for its shard once named", async () => {
    // Only shard 0 named: shard 1's calls are in the total but in no shard.
    const before = countD1Calls(env.DB, [env.DB]);
    await env.DB_1.prepare("SELECT 1").all();
    const after = countD1Calls(env.DB, [env.DB]);
    expect(after.total - before.total).toBe(1);
    expect(after.byShard).toEqual(before.byShard);
    expect(after.unattributed - before.unattributed).toBe(1);

    expect(await countsOver(() => env.DB_1.prepare("SELECT 1").all())).toEqual({
      total: 1,
      byShard: [0, 1],
      unattributed: 0,
    });
  });

  it("statements carry their database's shard through bind, drizzle and batch", async () => {
    const one = drizzle(env.DB_1);
    const zero = drizzle(env.DB);
    expect(
      await countsOver(async () => {
        await one.insert(tallies).values({ id: "bench-shard-1", value: 1 }).run();
        await one.select().from(tallies).all();
        await env.DB_1.prepare("SELECT value FROM tallies WHERE id = ?")
          .bind("bench-shard-1")
          .first();
        await zero.batch([zero.select().from(tallies), zero.select().from(tallies)]);
        await env.DB.exec("SELECT 1");
      }),
    ).toEqual({ total: 5, byShard: [2, 3], unattributed: 0 });
  });

  it("a service's consumer and relay on shard 1 count on shard 1 only", async () => {
    const key = keyOn("bench", 1);
    await env.DB_1.prepare("INSERT INTO tallies (id, value) VALUES (?, 5)").bind(key).run();
    const published = () =>
      env.DB_1.prepare(
        "SELECT COUNT(*) AS n FROM outbox WHERE correlation_id = 'bench-hold' AND published_at IS NOT NULL",
      ).first<{ n: number }>();
    const counts = await countsOver(async () => {
      await env.KEEPER_INBOX.send(
        createEnvelope({
          type: "HoldRequested",
          source: "planner",
          aggregateType: "hold",
          aggregateId: "bench-hold",
          correlationId: "bench-hold",
          causationId: "bench-hold",
          payload: { holdId: "bench-hold", lines: [{ key, units: 1 }] },
        }),
      );
      await vi.waitFor(async () => expect((await published())?.n).toBe(1), wait);
    });
    // The consumer's commit and the relay's drain, each at least one call; the polls too.
    expect(counts.byShard[1]).toBeGreaterThanOrEqual(3);
    expect(counts.byShard[0]).toBe(0);
    expect(counts.unattributed).toBe(0);
    expect(counts.total).toBe(counts.byShard[1]);
  });
});
