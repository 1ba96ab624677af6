import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countD1Calls } from "../bench/d1-calls";
import { count, increment, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";
import worker from "./worker/src/index";

type QueueMessage = Parameters<typeof createMessageBatch>[1][number];
const handler = worker as ExportedHandler<Env>;

let nextMessage = 0;
const message = (body: unknown, attempts = 1): QueueMessage => ({
  id: `g-${++nextMessage}`,
  timestamp: new Date(),
  attempts,
  body: fromElsewhere(body),
});

/**
 * As if from a producer the tester sends no receipts to: the D1 calls counted below are the
 * batch's own, not those of receipts for earlier batches coming back through the real queue.
 */
function fromElsewhere(body: unknown): unknown {
  return typeof body === "object" && body !== null && "source" in body
    ? { ...body, source: "elsewhere" }
    : body;
}

async function deliver(messages: QueueMessage[]) {
  const batch = createMessageBatch("tester-inbox", messages);
  const ctx = createExecutionContext();
  await handler.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const drain = (tallyId: string, by: number, correlationId = tallyId) =>
  catalog.create("TallyDrained", {
    aggregateType: "tally",
    aggregateId: tallyId,
    correlationId,
    causationId: "test",
    payload: { tallyId, by },
  });

const poison = () =>
  catalog.create("PoisonPill", {
    aggregateType: "t",
    aggregateId: "t",
    correlationId: "poison",
    causationId: "t",
    payload: { note: "always throws" },
  });

const applied = (eventId: string) =>
  count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", eventId);

describe("inbox consumer: group commit", () => {
  it("a message refused by a constraint or a throwing handler fails alone; the rest of its group applies once", async () => {
    await deliver([message(increment("g-low", 1))]);
    const a = increment("g-a", 5);
    const tooMuch = drain("g-low", 10); // CHECK value >= 0 refuses it: its group fails, then it alone
    const c = increment("g-c", 2);
    const pill = poison();
    const first = await deliver([a, tooMuch, c, pill].map((event) => message(event)));

    expect(first.explicitAcks.sort()).toEqual([`g-${nextMessage - 3}`, `g-${nextMessage - 1}`]);
    expect(first.retryMessages.map((r) => r.msgId).sort()).toEqual([
      `g-${nextMessage - 2}`,
      `g-${nextMessage}`,
    ]);
    expect(await tallyValue("g-a")).toBe(5);
    expect(await tallyValue("g-c")).toBe(2);
    expect(await tallyValue("g-low")).toBe(1);
    expect(await applied(tooMuch.id)).toBe(0);
    expect(await applied(pill.id)).toBe(0);

    // Redelivered together: the applied ones are dropped, nothing is applied twice.
    await deliver([a, c].map((event) => message(event)));
    expect(await tallyValue("g-a")).toBe(5);
    expect(await tallyValue("g-c")).toBe(2);
  });

  it("applies messages of one saga in delivery order, each on what the one before left", async () => {
    const saga = "g-doubling";
    const doubled = () =>
      catalog.create("TallyDoubled", {
        aggregateType: "tally",
        aggregateId: saga,
        correlationId: saga,
        causationId: "test",
        payload: { tallyId: saga },
      });
    // (0 + 3) * 2 + 1 = 7, then * 2 = 14: any other order, or two doubles deciding on the
    // same read, gives another number.
    const events = [increment(saga, 3), doubled(), increment(saga, 1), doubled()];
    const others = Array.from({ length: 5 }, (_, i) => increment(`g-doubling-other-${i}`, 1));
    const result = await deliver([...others, ...events].map((event) => message(event)));
    expect(result.explicitAcks).toHaveLength(9);
    expect(await tallyValue(saga)).toBe(14);
  });

  it("applies messages of one saga in delivery order, each in its own round", async () => {
    const saga = "g-ordered";
    const events = [increment(saga, 3), drain(saga, 2), drain(saga, 1)];
    const result = await deliver(events.map((event) => message(event)));
    // Out of order, a drain would meet 0 and be refused by the CHECK.
    expect(result.retryMessages).toHaveLength(0);
    expect(result.explicitAcks).toHaveLength(3);
    expect(await tallyValue(saga)).toBe(0);
  });

  it("applies a duplicate inside one batch once, among other sagas' messages", async () => {
    const event = increment("g-dup", 4);
    const others = [increment("g-x", 1), increment("g-y", 1)];
    const result = await deliver([others[0], event, others[1], event].map((body) => message(body)));
    expect(result.explicitAcks).toHaveLength(4);
    expect(await tallyValue("g-dup")).toBe(4);
    expect(await applied(event.id)).toBe(1);
    const row = await env.DB.prepare("SELECT duplicates FROM inbox WHERE event_id = ?")
      .bind(event.id)
      .first<{ duplicates: number }>();
    expect(row?.duplicates).toBe(1);
  });

  it("a batch of 50 sagas costs a handful of database calls, not one per message", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `g-many-${i}`);
    await deliver(ids.map((id) => message(increment(id, 2))));
    const before = countD1Calls(env.DB).total;
    const result = await deliver(ids.map((id) => message(drain(id, 1))));
    const calls = countD1Calls(env.DB).total - before;
    expect(result.explicitAcks).toHaveLength(50);
    for (const id of ids) expect(await tallyValue(id)).toBe(1);
    // One read batch (the inbox lookup and the 50 handlers' reads) and one commit, plus the
    // test worker's own delivery log (recordDeliveries) before the consumer runs.
    expect(calls).toBe(3);
  });

  it("handlers that read nothing: the batch is one commit, and a copy already applied is still refused by the inbox key", async () => {
    const applied = increment("g-noread-0", 1);
    await deliver([message(applied)]);
    const fresh = Array.from({ length: 20 }, (_, i) => increment(`g-noread-${i + 1}`, 1));
    const before = countD1Calls(env.DB).total;
    await deliver(fresh.map((event) => message(event)));
    // One commit, plus the test worker's own delivery log: no inbox lookup of its own.
    expect(countD1Calls(env.DB).total - before).toBe(2);

    // The copy makes the group fail on the inbox key; the split applies the rest once.
    const more = increment("g-noread-21", 1);
    const result = await deliver([message(applied), message(more)]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(await tallyValue("g-noread-0")).toBe(1);
    expect(await tallyValue("g-noread-21")).toBe(1);
    const row = await env.DB.prepare("SELECT duplicates FROM inbox WHERE event_id = ?")
      .bind(applied.id)
      .first<{ duplicates: number }>();
    expect(row?.duplicates).toBe(1);
  });
});
