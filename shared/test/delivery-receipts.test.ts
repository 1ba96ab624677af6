import { createExecutionContext, createMessageBatch, runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Envelope } from "../src/envelope";
import { clearPlan, injected, setPlan, sleep } from "./fault-support";
import { count, increment, poison, relay, seedOutbox, tallyEvent, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";
import worker from "./worker/src/index";

const handler = worker as ExportedHandler<Env>;
const wait = { timeout: 4_000, interval: 25 };
/**
 * The receipt timeout of these tests: rows are made due by hand, and the relay's own alarm
 * for the next re-send (a timeout or more out) never fires while a test runs.
 */
const TIMEOUT = 5_000;

/** The subscribers an outbox row still awaits a receipt from (null: none). */
const awaiting = async (eventId: string) => {
  const row = await env.DB.prepare("SELECT awaiting, resends FROM outbox WHERE event_id = ?")
    .bind(eventId)
    .first<{ awaiting: string | null; resends: number }>();
  return {
    resends: row?.resends,
    awaiting: row?.awaiting ? (JSON.parse(row.awaiting) as string[]) : null,
  };
};

/** Published and acknowledged by every subscriber (an unpublished row awaits no one yet). */
const receipted = async (eventId: string) =>
  (await count(
    "SELECT COUNT(*) AS n FROM outbox WHERE event_id = ? AND published_at IS NOT NULL AND awaiting IS NULL",
    eventId,
  )) === 1;

/** `event` in the outbox as published long ago, awaiting the tester's receipt, not yet due again. */
async function publishedAwaitingTester(event: Envelope): Promise<void> {
  await seedOutbox([event]);
  await env.DB.prepare(
    `UPDATE outbox SET published_at = 1, awaiting = '["tester"]', next_resend_at = 9e15 WHERE event_id = ?`,
  )
    .bind(event.id)
    .run();
}

const sentTo = async (eventId: string, since: number) =>
  (await relay().sendLog()).slice(since).filter((send) => send.ids.includes(eventId)).length;

afterEach(async () => {
  await clearPlan();
  await relay().setReceiptTimeout(600_000);
});

describe("delivery receipts", () => {
  it("a published event awaits each subscriber until its receipt comes back through the queue", async () => {
    const events = [increment("receipted", 1), increment("receipted", 2)];
    await seedOutbox(events);
    await relay().poke();
    await vi.waitFor(async () => expect(await tallyValue("receipted")).toBe(3), wait);
    // The tester applied them and told their producer (itself) so, in one receipt message.
    for (const event of events)
      await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
    const outbox = (await (await exports.default.fetch("http://kit/outbox")).json()) as {
      unacknowledged: { events: number; bySubscriber: Record<string, number> };
    };
    expect(outbox.unacknowledged.bySubscriber.tester ?? 0).toBe(0);
  });

  it("re-sends only to the subscriber that owes a receipt, with the same id, backing off", async () => {
    // Mirrored goes to tester (answers) and audit (never consumed here: never answers).
    const event = tallyEvent("TallyMirrored", "owed", 1);
    await seedOutbox([event]);
    await relay().poke();
    await vi.waitFor(
      async () => expect((await awaiting(event.id)).awaiting).toEqual(["audit"]),
      wait,
    );
    const stats = (await (await exports.default.fetch("http://kit/stats")).json()) as {
      outbox: { unacknowledged: number; oldestUnacknowledgedAgeMs: number | null };
    };
    expect(stats.outbox.unacknowledged).toBeGreaterThanOrEqual(1);
    expect(stats.outbox.oldestUnacknowledgedAgeMs).toBeGreaterThanOrEqual(0);

    await relay().setReceiptTimeout(TIMEOUT);
    // Audit never answers anything: it gets the event again once it waited 4 timeouts.
    await env.DB.prepare(
      "UPDATE outbox SET next_resend_at = 0, published_at = published_at - 60000 WHERE event_id = ?",
    )
      .bind(event.id)
      .run();
    const before = (await relay().sendLog()).length;
    await runDurableObjectAlarm(relay());
    // Re-sent once, as one send to audit only (tester already answered).
    expect(await sentTo(event.id, before)).toBe(1);
    const after = await awaiting(event.id);
    expect(after.resends).toBe(1);
    expect((await relay().status()).resentTotal).toBeGreaterThanOrEqual(1);
    // Not due again at once: the next re-send waits twice the timeout.
    const next = await env.DB.prepare("SELECT next_resend_at AS at FROM outbox WHERE event_id = ?")
      .bind(event.id)
      .first<{ at: number }>();
    expect(next?.at).toBeGreaterThan(Date.now() + TIMEOUT);
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(1);
    // The relay keeps an alarm for it: nobody has to come back for the re-send.
    expect((await relay().status()).nextAlarmAt).not.toBeNull();
  });

  it("broker.drop: a message lost after its send resolved is re-sent once the subscriber acknowledged one published a timeout later, applied once", async () => {
    await setPlan({ "broker.drop": 1 });
    const event = increment("dropped", 7);
    await seedOutbox([event]);
    await relay().poke();
    await vi.waitFor(
      async () =>
        expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL")).toBe(0),
      wait,
    );
    expect(await injected("broker.drop")).toBeGreaterThanOrEqual(1);
    await sleep(300);
    // Published, as far as the relay knows; never arrived.
    expect(await tallyValue("dropped")).toBeNull();
    expect((await awaiting(event.id)).awaiting).toEqual(["tester"]);

    // A later event arrives and is acknowledged, published a moment after the lost one: a
    // queue may reorder that much (a lost poke also publishes a lower seq late), so the lost
    // one may still be on its way. Held.
    await clearPlan();
    const later = increment("dropped-later", 1);
    await seedOutbox([later]);
    await relay().poke();
    await vi.waitFor(async () => expect(await receipted(later.id)).toBe(true), wait);
    await relay().setReceiptTimeout(TIMEOUT);
    const due = (publishedEarlierMs: number) =>
      env.DB.prepare(
        "UPDATE outbox SET next_resend_at = 0, published_at = published_at - ? WHERE event_id = ?",
      )
        .bind(publishedEarlierMs, event.id)
        .run();
    await due(0);
    const before = (await relay().sendLog()).length;
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(0);

    // Published just before the acknowledged one, but two timeouts ago: it would have arrived.
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE outbox SET next_resend_at = 0, published_at = ? WHERE event_id = ?",
      ).bind(Date.now() - 2 * TIMEOUT - 1, event.id),
      env.DB.prepare(
        "UPDATE receipt_progress SET acked_published_at = ? WHERE subscriber = 'tester'",
      ).bind(Date.now() - 2 * TIMEOUT),
    ]);
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(1);

    // Published a receipt timeout before the acknowledged one: the tester has moved past it.
    await due(TIMEOUT);
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(2);
    await vi.waitFor(async () => expect(await tallyValue("dropped")).toBe(7), wait);
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
  });

  it("holds a due event while the subscriber has not moved past it (a slow queue, not a loss), until it stalls", async () => {
    const event = increment("behind", 3);
    await seedOutbox([event]);
    await relay().poke();
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
    // As if still in the tester's queue: unacknowledged, the tester's progress just before it.
    const { publishedAt } = (await env.DB.prepare(
      "SELECT published_at AS publishedAt FROM outbox WHERE event_id = ?",
    )
      .bind(event.id)
      .first<{ publishedAt: number }>()) ?? { publishedAt: 0 };
    await env.DB.batch([
      env.DB.prepare(
        `UPDATE outbox SET awaiting = '["tester"]', next_resend_at = 0 WHERE event_id = ?`,
      ).bind(event.id),
      env.DB.prepare(
        "UPDATE receipt_progress SET acked_published_at = ? WHERE subscriber = 'tester'",
      ).bind(publishedAt - 1),
    ]);
    await relay().setReceiptTimeout(TIMEOUT);
    const before = (await relay().sendLog()).length;
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(0);
    expect((await awaiting(event.id)).resends).toBe(0);
    // Looked at again a timeout later, not at every run, and the relay's alarm is set for it.
    const held = await env.DB.prepare("SELECT next_resend_at AS at FROM outbox WHERE event_id = ?")
      .bind(event.id)
      .first<{ at: number }>();
    expect(held?.at).toBeGreaterThan(0);
    const armed = (await relay().status()).nextAlarmAt;
    expect(armed).not.toBeNull();
    expect(armed).toBeLessThanOrEqual((held?.at ?? 0) + 5);

    // Silent for a timeout, but the event has waited only one: a quiet subscriber may simply
    // have had nothing to do. Held.
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE outbox SET next_resend_at = 0, published_at = ? WHERE event_id = ?",
      ).bind(Date.now() - TIMEOUT - 1, event.id),
      env.DB.prepare(
        "UPDATE receipt_progress SET acked_at = ?, acked_published_at = ? WHERE subscriber = 'tester'",
      ).bind(Date.now() - TIMEOUT - 1, Date.now() - TIMEOUT - 2),
    ]);
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(0);

    // Waited long, but the tester acknowledged other events a moment ago: it is working
    // through a backlog, which a copy would only lengthen. Held still.
    // (The tester's progress moves back with it: still just before the event.)
    const longAgo = () =>
      env.DB.batch([
        env.DB.prepare(
          "UPDATE outbox SET next_resend_at = 0, published_at = published_at - 60000 WHERE event_id = ?",
        ).bind(event.id),
        env.DB.prepare(
          "UPDATE receipt_progress SET acked_published_at = acked_published_at - 60000 WHERE subscriber = 'tester'",
        ),
      ]);
    await longAgo();
    await env.DB.prepare("UPDATE receipt_progress SET acked_at = ? WHERE subscriber = 'tester'")
      .bind(Date.now())
      .run();
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(0);

    // And silent for a timeout: the subscriber may have lost everything, it gets the event again.
    await longAgo();
    await env.DB.prepare("UPDATE receipt_progress SET acked_at = ? WHERE subscriber = 'tester'")
      .bind(Date.now() - TIMEOUT - 1)
      .run();
    await runDurableObjectAlarm(relay());
    expect(await sentTo(event.id, before)).toBe(1);
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
    expect(await tallyValue("behind")).toBe(3);
  });

  it("a copy dropped as a duplicate is receipted too (the first receipt was lost)", async () => {
    const event = increment("lost-receipt", 5);
    await seedOutbox([event]);
    await relay().poke();
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
    // As if the receipt had been lost: the row awaits the tester again.
    await env.DB.prepare(`UPDATE outbox SET awaiting = '["tester"]' WHERE event_id = ?`)
      .bind(event.id)
      .run();
    const batch = createMessageBatch("tester-inbox", [
      { id: "copy-1", timestamp: new Date(), attempts: 1, body: event },
    ]);
    await handler.queue?.(batch, env, createExecutionContext());
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
    expect(await tallyValue("lost-receipt")).toBe(5);
  });

  it("a dead-lettered event is receipted: the producer stops re-sending, an operator takes over", async () => {
    // A poison pill: its last try on arrival fails too, so it stays open for an operator.
    const event = poison("dead-receipt");
    await publishedAwaitingTester(event);
    const batch = createMessageBatch("tester-inbox-dlq", [
      { id: "dlq-1", timestamp: new Date(), attempts: 3, body: event },
    ]);
    await handler.queue?.(batch, env, createExecutionContext());
    expect(await count("SELECT COUNT(*) AS n FROM dead_letters WHERE event_id = ?", event.id)).toBe(
      1,
    );
    await vi.waitFor(async () => expect(await receipted(event.id)).toBe(true), wait);
  });

  it("a receipt the platform dead-lettered is applied, not stored: its events stop being re-sent", async () => {
    const event = increment("receipt-in-dlq", 1);
    await publishedAwaitingTester(event);
    const batch = createMessageBatch("tester-inbox-dlq", [
      {
        id: "receipt-dlq-1",
        timestamp: new Date(),
        attempts: 6,
        body: { receipt: { from: "tester", handled: [event.id] } },
      },
    ]);
    await handler.queue?.(batch, env, createExecutionContext());
    expect(await receipted(event.id)).toBe(true);
    expect(
      await count("SELECT COUNT(*) AS n FROM dead_letters WHERE message_id = 'receipt-dlq-1'"),
    ).toBe(0);
  });

  /**
   * D1 `batch()` calls the tester's queue handler makes for one batch of `bodies`: counted on
   * the env it is given, so the relay's own runs (same database, its own env) are not.
   */
  const batchCallsFor = async (bodies: unknown[]) => {
    let calls = 0;
    const DB = new Proxy(env.DB, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        if (property === "batch")
          return (...args: Parameters<D1Database["batch"]>) => {
            calls++;
            return target.batch(...args);
          };
        return value.bind(target);
      },
    });
    const batch = createMessageBatch(
      "tester-inbox",
      bodies.map((body, i) => ({
        id: `m-${i}-${crypto.randomUUID()}`,
        timestamp: new Date(),
        attempts: 1,
        body: body as never,
      })),
    );
    await handler.queue?.(batch, { ...env, DB }, createExecutionContext());
    return calls;
  };
  const receiptFor = (event: Envelope) => ({ receipt: { from: "tester", handled: [event.id] } });

  it("a receipt that comes with events rides in their commit: it costs the batch no call of its own", async () => {
    const [acked, alsoAcked] = [increment("ride-acked"), increment("ride-acked-2")];
    await publishedAwaitingTester(acked);
    await publishedAwaitingTester(alsoAcked);
    const alone = await batchCallsFor([increment("ride-alone")]);
    const withReceipt = await batchCallsFor([receiptFor(acked), increment("ride-with")]);
    expect(await receipted(acked.id)).toBe(true);
    expect(await tallyValue("ride-with")).toBe(1);
    expect(withReceipt).toBe(alone);
    // Without events to ride with, the receipt is recorded by a call of its own.
    expect(await batchCallsFor([receiptFor(alsoAcked)])).toBe(1);
    expect(await receipted(alsoAcked.id)).toBe(true);
  });

  it("an answer marked as the receipt of the event it answers acknowledges it (reply-acks.ts)", async () => {
    const [asked, elsewhere] = [increment("reply-asked"), increment("reply-elsewhere")];
    await publishedAwaitingTester(asked);
    await publishedAwaitingTester(elsewhere);
    // As the tester's own answers come back to it: the mark names the event and its shard.
    const answer = (cause: Envelope, shard?: number) => ({
      ...increment(`answer-to-${cause.id}`),
      causationId: cause.id,
      acks: { id: cause.id, ...(shard ? { shard } : {}) },
    });
    await batchCallsFor([answer(asked), answer(elsewhere, 2)]);
    expect(await receipted(asked.id)).toBe(true);
    // Marked for another shard's outbox: not this one's receipt.
    expect(await receipted(elsewhere.id)).toBe(false);
  });

  it("a receipt whose ride was refused (a commit rolled back) is still recorded", async () => {
    const acked = increment("refused-ride-acked");
    await publishedAwaitingTester(acked);
    // The drain breaks the tally's CHECK: the group commit rolls back, receipt and all; the
    // increment then commits alone, the drain is sent back.
    const drain = catalog.create("TallyDrained", {
      aggregateType: "tally",
      aggregateId: "refused-ride",
      correlationId: "refused-ride",
      causationId: "test",
      payload: { tallyId: "refused-ride", by: 5 },
    });
    await batchCallsFor([receiptFor(acked), increment("refused-ride-ok"), drain]);
    expect(await receipted(acked.id)).toBe(true);
    expect(await tallyValue("refused-ride-ok")).toBe(1);
  });

  it("a malformed receipt goes to the dead letters with its reason; the batch's events still apply", async () => {
    const event = increment("beside-bad-receipt", 2);
    const batch = createMessageBatch("tester-inbox", [
      {
        id: "bad-receipt",
        timestamp: new Date(),
        attempts: 1,
        body: { receipt: { from: 42 } } as never,
      },
      { id: "good-event", timestamp: new Date(), attempts: 1, body: event },
    ]);
    await handler.queue?.(batch, env, createExecutionContext());
    expect(await tallyValue("beside-bad-receipt")).toBe(2);
    expect(
      await count("SELECT COUNT(*) AS n FROM dead_letters WHERE message_id = 'bad-receipt'"),
    ).toBe(1);
  });
});

describe("relay due work", () => {
  it("runs the service's due work on the alarm, once due, and arms the alarm for it", async () => {
    const stub = relay();
    const dueAt = Date.now() + 20_000;
    const runs = await stub.dueWorkNext(dueAt);
    await stub.poke();
    await vi.waitFor(async () => expect(await stub.dueWorkRuns()).toBe(runs + 1), wait);
    // Armed for the due time at the latest: nobody has to call back for it.
    await vi.waitFor(async () => {
      const next = (await stub.status()).nextAlarmAt;
      expect(next).not.toBeNull();
      expect(next).toBeLessThanOrEqual(dueAt);
    }, wait);
    // A run before that time does not run it again.
    await stub.poke();
    await sleep(200);
    expect(await stub.dueWorkRuns()).toBe(runs + 1);
  });
});
