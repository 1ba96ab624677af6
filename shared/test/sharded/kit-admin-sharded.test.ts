import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { storeDeadLetter } from "../../src/dead-letters/dead-letters";
import { createEnvelope, type Envelope } from "../../src/envelope";
import { outboxInserts } from "../../src/outbox/outbox-writer";
import { shardOf } from "../../src/shards/shard-routing";

/** The kit's admin routes of a service on two shards (defineService mounts them at /admin). */
const dbOf = [env.DB, env.DB_1];
const wait = { timeout: 15_000, interval: 50 };
const admin = async <T>(path: string, init?: RequestInit) => {
  const res = await exports.default.fetch(`http://keeper/admin${path}`, init);
  return { status: res.status, body: (await res.json()) as T };
};

const answer = (holdId: string, shard: number) =>
  createEnvelope({
    type: "HoldAnswered",
    source: "keeper",
    aggregateType: "hold",
    aggregateId: holdId,
    correlationId: holdId,
    causationId: holdId,
    payload: { holdId, held: true, shard, shards: [0, 1] },
  });

async function commit(shard: number, events: Envelope[]) {
  const db = drizzle(dbOf[shard] as D1Database);
  const statements = outboxInserts(db, events);
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}

/** The first key with `prefix` that lives on `shard`. */
function keyOn(prefix: string, shard: number): string {
  for (let i = 0; ; i++) if (shardOf(`${prefix}-${i}`, 2) === shard) return `${prefix}-${i}`;
}

async function deadLetter(shard: number, messageId: string, body: unknown, eventId?: string) {
  const db = drizzle(dbOf[shard] as D1Database);
  await storeDeadLetter(db, {
    queue: "keeper-inbox-dlq",
    messageId,
    body,
    reason: "test",
    attempts: 3,
    ...(eventId ? { eventId, eventType: "HoldRequested" } : {}),
  });
  const row = await (dbOf[shard] as D1Database)
    .prepare("SELECT id FROM dead_letters WHERE message_id = ?")
    .bind(messageId)
    .first<{ id: string }>();
  return row?.id as string;
}

type Relay = { publishedTotal: number };
type Outbox = {
  pending: number;
  outboxRows: number;
  relay: Relay;
  shards: { shard: number; pending: number; outboxRows: number; relay: Relay }[];
};
type Stats = {
  outbox: { pending: number };
  totals: { openDeadLetters: number };
  shards: { shard: number; outbox: { pending: number }; totals: { openDeadLetters: number } }[];
};

describe("kit admin routes on a service with two shards", () => {
  it("outbox and stats sum every shard and say what each holds; maintenance drains each shard through its own relay", async () => {
    await commit(0, [answer("a-1", 0), answer("a-2", 0)]);
    await commit(1, [answer("a-3", 1)]);

    const outbox = (await admin<Outbox>("/outbox")).body;
    expect(outbox.pending).toBe(3);
    expect(outbox.outboxRows).toBe(3);
    expect(outbox.shards.map((s) => [s.shard, s.pending, s.outboxRows])).toEqual([
      [0, 2, 2],
      [1, 1, 1],
    ]);
    const stats = (await admin<Stats>("/stats?minutes=5")).body;
    expect(stats.outbox.pending).toBe(3);
    expect(stats.shards.map((s) => s.outbox.pending)).toEqual([2, 1]);

    expect((await admin("/maintenance", { method: "POST" })).status).toBe(200);
    await vi.waitFor(async () => {
      const after = (await admin<Outbox>("/outbox")).body;
      expect(after.pending).toBe(0);
      expect(after.shards.map((s) => s.relay.publishedTotal)).toEqual([2, 1]);
      expect(after.relay.publishedTotal).toBe(3);
    }, wait);

    // Published ids of both shards, one keyset page at a time, by id.
    const ids: string[] = [];
    let after = "";
    for (;;) {
      const page = (
        await admin<{ events: { id: string }[]; next: string | null }>(
          `/events/published?limit=1&after=${after}`,
        )
      ).body;
      ids.push(...page.events.map((e) => e.id));
      if (page.next === null) break;
      after = page.next;
    }
    const committed = await Promise.all(
      dbOf.map((db) => db.prepare("SELECT event_id AS id FROM outbox").all<{ id: string }>()),
    );
    expect(ids).toEqual(committed.flatMap((c) => c.results.map((r) => r.id)).sort());
  });

  it("trace: one saga's rows on both shards, each naming its shard", async () => {
    await commit(0, [answer("traced", 0)]);
    await commit(1, [answer("traced", 1)]);
    const trace = (await admin<{ published: { type: string; shard: number }[] }>("/trace/traced"))
      .body;
    expect(trace.published.map((p) => p.shard).sort()).toEqual([0, 1]);
  });

  it("dead letters of every shard: ids name their shard, replay applies on that shard, discard resolves there", async () => {
    const key = keyOn("dead", 1);
    await dbOf[1]?.prepare("INSERT INTO tallies (id, value) VALUES (?, 5)").bind(key).run();
    const request = createEnvelope({
      type: "HoldRequested",
      source: "planner",
      aggregateType: "hold",
      aggregateId: "dead-hold",
      correlationId: "dead-hold",
      causationId: "dead-hold",
      payload: { holdId: "dead-hold", lines: [{ key, units: 2 }] },
    });
    const onOne = await deadLetter(1, "dl-1", request, request.id);
    const onZero = await deadLetter(0, "dl-0", { not: "an event" });

    type Letters = { deadLetters: { id: string; shard?: number; messageId: string }[] };
    const listed = (await admin<Letters>("/dead-letters?status=open")).body.deadLetters;
    expect(listed).toContainEqual(
      expect.objectContaining({ id: `s1.${onOne}`, shard: 1, messageId: "dl-1" }),
    );
    expect(listed).toContainEqual(
      expect.objectContaining({ id: onZero, shard: 0, messageId: "dl-0" }),
    );
    const stats = (await admin<Stats>("/stats")).body;
    expect(stats.totals.openDeadLetters).toBe(2);
    expect(stats.shards.map((s) => s.totals.openDeadLetters)).toEqual([1, 1]);

    // The stored id alone is shard 0's: not found there.
    expect((await admin(`/dead-letters/${onOne}/replay`, { method: "POST" })).status).toBe(404);
    expect((await admin("/dead-letters/s7.x/discard", { method: "POST" })).status).toBe(404);

    const replayed = await admin(`/dead-letters/s1.${onOne}/replay`, { method: "POST" });
    expect(replayed).toEqual({
      status: 200,
      body: { id: `s1.${onOne}`, resolution: "replayed", outcome: "applied" },
    });
    const units = await dbOf[1]
      ?.prepare("SELECT value FROM tallies WHERE id = ?")
      .bind(key)
      .first<{ value: number }>();
    expect(units?.value).toBe(3);
    const resolution = (shard: number, id: string) =>
      dbOf[shard]
        ?.prepare("SELECT resolution FROM dead_letters WHERE id = ?")
        .bind(id)
        .first<{ resolution: string | null }>();
    expect((await resolution(1, onOne))?.resolution).toBe("replayed");

    expect((await admin(`/dead-letters/${onZero}/discard`, { method: "POST" })).status).toBe(200);
    expect((await resolution(0, onZero))?.resolution).toBe("discarded");
    expect((await admin(`/dead-letters/s1.${onOne}/discard`, { method: "POST" })).status).toBe(409);
    await vi.waitFor(
      async () => expect((await admin<Stats>("/stats")).body.totals.openDeadLetters).toBe(0),
      wait,
    );
  });

  it("in bulk: a filter acts on every shard, ids naming their shard, one audit row on shard 0", async () => {
    const [a, b] = [await deadLetter(0, "bulk-0", "x"), await deadLetter(1, "bulk-1", "x")];
    const c = await deadLetter(1, "bulk-2", "x");
    const post = (body: unknown) =>
      admin<{ matched: number; resolved: number; sample: { id: string }[] }>(
        "/dead-letters/discard",
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-edge-saga-caller": "admin:0123456789ab",
          },
          body: JSON.stringify(body),
        },
      );
    const dry = await post({ filter: { ids: [a, `s1.${b}`, `s1.${c}`] }, dryRun: true });
    expect(dry.body.matched).toBe(3);
    expect(dry.body.sample.map((d) => d.id).sort()).toEqual([a, `s1.${b}`, `s1.${c}`].sort());
    // An id without its shard's prefix names shard 0, where it is not.
    const real = await post({ filter: { ids: [a, `s1.${b}`, c] }, dryRun: false });
    expect(real.body).toMatchObject({ matched: 2, resolved: 2 });
    const open = (shard: number, id: string) =>
      dbOf[shard]
        ?.prepare("SELECT resolved_at FROM dead_letters WHERE id = ?")
        .bind(id)
        .first<number | null>("resolved_at");
    expect(await open(0, a)).not.toBeNull();
    expect(await open(1, b)).not.toBeNull();
    expect(await open(1, c)).toBeNull();
    const audits = (shard: number) =>
      dbOf[shard]?.prepare("SELECT COUNT(*) AS n FROM dead_letter_audit").first<number>("n");
    expect([await audits(0), await audits(1)]).toEqual([1, 0]);
  });
});
