import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { count, decrement, increment, poison, tallyValue } from "./helpers";
import worker from "./worker/src/index";

type QueueMessage = Parameters<typeof createMessageBatch>[1][number];
const handler = worker as ExportedHandler<Env>;

let nextMessage = 0;
function message(body: unknown, attempts = 1): QueueMessage {
  return { id: `m-${++nextMessage}`, timestamp: new Date(), attempts, body };
}

async function deliver(messages: QueueMessage[], queue = "tester-inbox") {
  const batch = createMessageBatch(queue, messages);
  const ctx = createExecutionContext();
  await handler.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const inboxRow = (eventId: string) =>
  env.DB.prepare("SELECT attempts, duplicates, last_duplicate_at FROM inbox WHERE event_id = ?")
    .bind(eventId)
    .first<{ attempts: number; duplicates: number; last_duplicate_at: number | null }>();

describe("inbox consumer", () => {
  it("applies an event delivered twice, in one batch and across batches, exactly once", async () => {
    const duplicates = () =>
      count("SELECT COALESCE(SUM(count), 0) AS n FROM consumer_metrics WHERE metric = 'duplicate'");
    const before = await duplicates();
    const event = increment("dup", 5);
    const first = await deliver([message(event), message(event)]);
    const second = await deliver([message(event)]);
    expect(first.explicitAcks).toHaveLength(2);
    expect(second.explicitAcks).toHaveLength(1);
    expect(await tallyValue("dup")).toBe(5);
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", event.id)).toBe(1);
    // The two dropped deliveries are counted as absorbed duplicates (operators see them) ...
    expect((await duplicates()) - before).toBe(2);
    // ... and on the event's inbox row, for its trace: one dropped in the batch that applied
    // it (the inbox key refused it), one in the next batch (the batch's inbox lookup found it).
    expect(await inboxRow(event.id)).toEqual({
      attempts: 1,
      duplicates: 2,
      last_duplicate_at: expect.any(Number),
    });
  });

  it("stores the delivery attempt that applied an event", async () => {
    const event = increment("third-try", 1);
    const result = await deliver([message(event, 3)]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await inboxRow(event.id)).toEqual({
      attempts: 3,
      duplicates: 0,
      last_duplicate_at: null,
    });
  });

  it("applies concurrent deliveries of the same event once (the inbox key decides the race)", async () => {
    const event = increment("race", 2);
    await Promise.all([
      deliver([message(event)]),
      deliver([message(event)]),
      deliver([message(event)]),
    ]);
    expect(await tallyValue("race")).toBe(2);
    expect((await inboxRow(event.id))?.duplicates).toBe(2);
  });

  it("applies a batch of interleaved sagas concurrently and every saga converges", async () => {
    const sagas = Array.from({ length: 30 }, (_, i) => `lane-${i}`);
    // Round-robin: every saga's +3 first, then every -2, then every -1.
    const events = [
      ...sagas.map((id) => increment(id, 3)),
      ...sagas.map((id) => decrement(id, 2)),
      ...sagas.map((id) => decrement(id, 1)),
    ];
    const result = await deliver(events.map((event) => message(event)));
    expect(result.explicitAcks).toHaveLength(90);
    for (const id of sagas) expect(await tallyValue(id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM refusals WHERE tally_id LIKE 'lane-%'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM inbox")).toBeGreaterThanOrEqual(90);
  });

  it("dead-letters an invalid message and a handler that keeps failing without blocking valid ones", async () => {
    const good = increment("mixed", 1);
    const unknownType = { ...increment("mixed", 1), type: "NoSuchEvent" };
    const badPayload = { ...increment("mixed", 1), payload: { tallyId: "mixed", by: -4 } };
    const notJson = "{this is not json";
    const failingFirst = poison("first try");
    const failingLast = poison("last try");
    const later = increment("mixed", 10);

    const messages = [
      message(unknownType),
      message(badPayload),
      message(notJson),
      message(failingFirst, 1),
      message(failingLast, 3), // the consumer's maxAttempts is 3: this is the final delivery
      message(good),
      message(later),
    ];
    const result = await deliver(messages);

    expect(await tallyValue("mixed")).toBe(11);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[3]?.id]);
    expect(result.explicitAcks.sort()).toEqual(
      messages
        .filter((_, i) => i !== 3)
        .map((m) => m.id)
        .sort(),
    );

    const letters = await env.DB.prepare(
      "SELECT message_id, event_id, event_type, reason, attempts, body FROM dead_letters ORDER BY message_id",
    ).all<{
      message_id: string;
      event_id: string | null;
      event_type: string | null;
      reason: string;
      attempts: number;
      body: string;
    }>();
    const byMessage = new Map(letters.results.map((l) => [l.message_id, l]));
    expect(byMessage.get(messages[0]!.id)?.reason).toMatch(/unknown event type NoSuchEvent/);
    expect(byMessage.get(messages[1]!.id)?.reason).toMatch(/invalid TallyIncremented payload: by/);
    expect(byMessage.get(messages[2]!.id)?.reason).toMatch(/invalid envelope/);
    expect(byMessage.get(messages[2]!.id)?.body).toBe(notJson);
    expect(byMessage.get(messages[4]!.id)).toMatchObject({
      event_id: failingLast.id,
      event_type: "PoisonPill",
      attempts: 3,
    });
    expect(byMessage.get(messages[4]!.id)?.reason).toMatch(
      /handler failed 3 times: poison pill always fails/,
    );
    expect(JSON.parse(byMessage.get(messages[4]!.id)!.body)).toEqual(failingLast);
    expect(byMessage.has(messages[3]!.id)).toBe(false);
  });

  it("falls through to the next decision when the first is refused by a constraint", async () => {
    await deliver([message(increment("floor", 2))]);
    const tooMuch = decrement("floor", 5);
    const fine = decrement("floor", 1);
    await deliver([message(tooMuch), message(fine), message(tooMuch)]);
    expect(await tallyValue("floor")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM refusals WHERE event_id = ?", tooMuch.id)).toBe(
      1,
    );
    // The second copy of tooMuch was refused by the refusals key, then found in the inbox.
    expect((await inboxRow(tooMuch.id))?.duplicates).toBe(1);
  });

  it("stores messages arriving on the dead-letter queue, once per message", async () => {
    const lost = message(increment("dlq", 1), 3);
    await deliver([lost], "tester-inbox-dlq");
    await deliver([lost], "tester-inbox-dlq");
    const row = await env.DB.prepare(
      "SELECT queue, reason, event_type FROM dead_letters WHERE message_id = ?",
    )
      .bind(lost.id)
      .all();
    expect(row.results).toEqual([
      {
        queue: "tester-inbox-dlq",
        reason: expect.stringMatching(/retries were exhausted/),
        event_type: "TallyIncremented",
      },
    ]);
  });

  it("the platform's dead letters get one last try: applied ones resolve themselves, the rest stay open with why", async () => {
    const applied = increment("dlq-applied", 2);
    await deliver([message(applied)]);
    expect(await tallyValue("dlq-applied")).toBe(2);
    // The platform gave up on later deliveries of `applied` (say, crashes after the commit),
    // on `never`, which crashes kept from ever being tried, on a poison pill and on a body
    // with no event in it.
    const never = increment("dlq-never", 3);
    const copies = [
      message(applied, 6),
      message(never, 6),
      message(poison("in the dlq"), 6),
      message("not json {", 6),
    ];
    await deliver(copies, "tester-inbox-dlq");
    const stored = await env.DB.prepare(
      `SELECT message_id, resolution, resolved_at, reason FROM dead_letters WHERE message_id IN (${copies.map(() => "?").join(", ")})`,
    )
      .bind(...copies.map((m) => m.id))
      .all<{
        message_id: string;
        resolution: string | null;
        resolved_at: number | null;
        reason: string;
      }>();
    const byMessage = new Map(stored.results.map((row) => [row.message_id, row]));
    expect(byMessage.get(copies[0]!.id)).toMatchObject({
      resolution: "already-applied",
      resolved_at: expect.any(Number),
      reason: expect.stringMatching(/already been applied/),
    });
    expect(byMessage.get(copies[1]!.id)).toMatchObject({
      resolution: "applied-on-arrival",
      resolved_at: expect.any(Number),
    });
    expect(byMessage.get(copies[2]!.id)).toMatchObject({
      resolution: null,
      resolved_at: null,
      reason: expect.stringMatching(/a last try failed: .*poison pill always fails/),
    });
    expect(byMessage.get(copies[3]!.id)).toMatchObject({ resolution: null, resolved_at: null });
    // Each applied exactly once, whatever the path.
    expect(await tallyValue("dlq-applied")).toBe(2);
    expect(await tallyValue("dlq-never")).toBe(3);
    await deliver([message(never, 6)], "tester-inbox-dlq");
    expect(await tallyValue("dlq-never")).toBe(3);
  });

  it("through the real queue: a poison message ends in dead_letters while valid messages behind it apply", async () => {
    const bad = poison("through the queue");
    await env.TEST_INBOX.sendBatch([
      { body: bad },
      { body: { not: "an envelope" } },
      { body: increment("queued", 7) },
    ]);
    await vi.waitFor(async () => expect(await tallyValue("queued")).toBe(7), {
      timeout: 10_000,
      interval: 50,
    });
    await vi.waitFor(
      async () =>
        expect(
          await count(
            "SELECT COUNT(*) AS n FROM dead_letters WHERE event_id = ? OR body LIKE '%an envelope%'",
            bad.id,
          ),
        ).toBe(2),
      { timeout: 15_000, interval: 100 },
    );
  });
});
