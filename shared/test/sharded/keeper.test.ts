import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { createEnvelope, type Envelope } from "../../src/envelope";
import { relayStub } from "../../src/relay/outbox-relay";
import { shardOf } from "../../src/shards/shard-routing";
import worker from "../sharded-worker/src/index";

const dbOf = [env.DB, env.DB_1];
const wait = { timeout: 15_000, interval: 50 };

/** The first keys with `prefix` that live on shard 0 and on shard 1. */
function keysOnEachShard(prefix: string): [string, string] {
  const found: string[] = [];
  for (let i = 0; found.length < 2; i++) {
    const key = `${prefix}-${i}`;
    if (shardOf(key, 2) === found.length) found.push(key);
  }
  return found as [string, string];
}

async function stock(key: string, units: number) {
  await dbOf[shardOf(key, 2)]!.prepare("INSERT INTO tallies (id, value) VALUES (?, ?)")
    .bind(key, units)
    .run();
}

const unitsOf = async (key: string) =>
  (
    await dbOf[shardOf(key, 2)]!.prepare("SELECT value FROM tallies WHERE id = ?")
      .bind(key)
      .first<{ value: number }>()
  )?.value;

const heldRows = async (holdId: string) => {
  let n = 0;
  for (const db of dbOf)
    n +=
      (
        await db
          .prepare("SELECT COUNT(*) AS n FROM tallies WHERE id LIKE ?")
          .bind(`held:${holdId}:%`)
          .first<{ n: number }>()
      )?.n ?? 0;
  return n;
};

const answersOn = (shard: number) =>
  dbOf[shard]!.prepare(
    "SELECT json_extract(body, '$.payload') AS payload, published_at FROM outbox WHERE type = 'HoldAnswered'",
  ).all<{ payload: string; published_at: number | null }>();

function request(holdId: string, lines: { key: string; units: number }[]): Envelope {
  return createEnvelope({
    type: "HoldRequested",
    source: "planner",
    aggregateType: "hold",
    aggregateId: holdId,
    correlationId: holdId,
    causationId: holdId,
    payload: { holdId, lines },
  });
}

const release = (holdId: string) =>
  createEnvelope({
    type: "HoldReleased",
    source: "planner",
    aggregateType: "hold",
    aggregateId: holdId,
    correlationId: holdId,
    causationId: holdId,
    payload: { holdId },
  });

describe("a service on two shards", () => {
  it("a hold spanning both shards: each holds its own keys and its own relay publishes its answer", async () => {
    const [a, b] = keysOnEachShard("span");
    await stock(a, 5);
    await stock(b, 5);
    await env.KEEPER_INBOX.send(
      request("hold-1", [
        { key: a, units: 2 },
        { key: b, units: 3 },
      ]),
    );

    await vi.waitFor(async () => {
      expect(await unitsOf(a)).toBe(3);
      expect(await unitsOf(b)).toBe(2);
    }, wait);
    for (const shard of [0, 1]) {
      await vi.waitFor(async () => {
        const { results } = await answersOn(shard);
        expect(results).toHaveLength(1);
        expect(JSON.parse(results[0]!.payload)).toMatchObject({
          holdId: "hold-1",
          held: true,
          shard,
          shards: [0, 1],
        });
        // Published from the shard's own outbox by the shard's own relay.
        expect(results[0]!.published_at).not.toBeNull();
      }, wait);
      expect((await relayStub(env.OUTBOX_RELAY, shard).status()).publishedTotal).toBeGreaterThan(0);
    }
  });

  it("a hold one shard cannot meet: the other holds, and the release puts it back on every shard", async () => {
    const [a, b] = keysOnEachShard("short");
    await stock(a, 5);
    await stock(b, 1);
    await env.KEEPER_INBOX.send(
      request("hold-2", [
        { key: a, units: 2 },
        { key: b, units: 3 },
      ]),
    );
    await vi.waitFor(async () => {
      expect((await answersOn(1)).results.map((r) => JSON.parse(r.payload).held)).toContain(false);
      expect(await unitsOf(a)).toBe(3);
    }, wait);
    expect(await unitsOf(b)).toBe(1);

    expect(await heldRows("hold-2")).toBe(1);
    await env.KEEPER_INBOX.send(release("hold-2"));
    await vi.waitFor(async () => expect(await unitsOf(a)).toBe(5), wait);
    expect(await unitsOf(b)).toBe(1);
    expect(await heldRows("hold-2")).toBe(0);
  });

  it("a message on both shards that fails on one is retried, applied once per shard, and receipted only once both handled it", async () => {
    const [a, b] = keysOnEachShard("retry");
    await stock(a, 5);
    await stock(b, 5);
    const event = request("hold-3", [
      { key: a, units: 1 },
      { key: b, units: 1 },
    ]);
    const sentReceipts: unknown[] = [];
    // The real planner queue, watched: what the consumer sends it is recorded, then sent.
    const planner: Queue = {
      send: (body, options) => {
        sentReceipts.push(body);
        return env.PLANNER_INBOX.send(body, options);
      },
      sendBatch: (messages, options) => env.PLANNER_INBOX.sendBatch(messages, options),
    } as Queue;
    const deliver = async (attempts: number) => {
      const batch = createMessageBatch("keeper-inbox", [
        { id: "m-1", timestamp: new Date(), attempts, body: event },
      ]);
      const ctx = createExecutionContext();
      await worker.queue?.(batch as never, { ...env, PLANNER_INBOX: planner } as never);
      return getQueueResult(batch, ctx);
    };

    // Shard 1 cannot read its table: its part fails, shard 0's commits.
    await env.DB_1.prepare("ALTER TABLE tallies RENAME TO tallies_away").run();
    const first = await deliver(1).finally(() =>
      env.DB_1.prepare("ALTER TABLE tallies_away RENAME TO tallies").run(),
    );
    expect(first.retryMessages.map((m) => m.msgId)).toEqual(["m-1"]);
    expect(first.explicitAcks).toEqual([]);
    expect(await unitsOf(a)).toBe(4);
    expect(await unitsOf(b)).toBe(5);
    expect(sentReceipts).toEqual([]);

    const second = await deliver(2);
    expect(second.explicitAcks).toEqual(["m-1"]);
    expect(await unitsOf(a)).toBe(4); // shard 0 had it: a copy, not applied again
    expect(await unitsOf(b)).toBe(4);
    expect(sentReceipts).toEqual([{ receipt: { from: "keeper", handled: [event.id] } }]);
  });

  it("an answer to the planner is the request's receipt, naming the planner's shard that sent it", async () => {
    const [a] = keysOnEachShard("from-shard");
    await stock(a, 5);
    const sentReceipts: unknown[] = [];
    const planner = {
      send: (body: unknown) => {
        sentReceipts.push(body);
        return env.PLANNER_INBOX.send(body);
      },
    } as Queue;
    // As the planner's shard-3 relay sends it: the body names the shard (the envelope does not).
    const event = { ...request("hold-5", [{ key: a, units: 1 }]), sourceShard: 3 };
    const batch = createMessageBatch("keeper-inbox", [
      { id: "m-5", timestamp: new Date(), attempts: 1, body: event },
    ]);
    await worker.queue?.(batch as never, { ...env, PLANNER_INBOX: planner } as never);
    expect(sentReceipts).toEqual([]);
    const answer = await env.DB.prepare(
      "SELECT body FROM outbox WHERE correlation_id = 'hold-5' AND type = 'HoldAnswered'",
    ).first<{ body: string }>();
    expect(JSON.parse(answer?.body ?? "{}").acks).toEqual({ id: event.id, shard: 3 });
    // A copy (the answer was lost) gets a receipt message, to the shard that sent it.
    const copy = createMessageBatch("keeper-inbox", [
      { id: "m-5-copy", timestamp: new Date(), attempts: 1, body: event },
    ]);
    await worker.queue?.(copy as never, { ...env, PLANNER_INBOX: planner } as never);
    expect(sentReceipts).toEqual([{ receipt: { from: "keeper", handled: [event.id], shard: 3 } }]);
  });

  it("a receipt reaches the outbox of the shard that sent the events it names", async () => {
    const [, b] = keysOnEachShard("receipt");
    await stock(b, 5);
    await env.KEEPER_INBOX.send(request("hold-4", [{ key: b, units: 1 }]));
    let answerId = "";
    await vi.waitFor(async () => {
      const row = await env.DB_1.prepare(
        "SELECT event_id, awaiting FROM outbox WHERE correlation_id = 'hold-4' AND published_at IS NOT NULL",
      ).first<{ event_id: string; awaiting: string | null }>();
      expect(row?.awaiting).toContain("planner");
      answerId = row!.event_id;
    }, wait);
    await env.KEEPER_INBOX.send({ receipt: { from: "planner", handled: [answerId], shard: 1 } });
    await vi.waitFor(async () => {
      const row = await env.DB_1.prepare("SELECT awaiting FROM outbox WHERE event_id = ?")
        .bind(answerId)
        .first<{ awaiting: string | null }>();
      expect(row?.awaiting).toBeNull();
    }, wait);
  });
});
