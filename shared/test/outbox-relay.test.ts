import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { relayBackoffMs } from "../src/relay/outbox-relay";
import { count, increment, relay, seedOutbox, tallyEvent, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";

const pending = () => count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL");

describe("outbox relay", () => {
  it("drains 250 rows in commit order across several sends and marks them all", async () => {
    const events = Array.from({ length: 250 }, (_, i) => increment("drain", 1, `drain-${i}`));
    const sendsBefore = (await relay().sendLog()).length;
    await seedOutbox(events);

    await relay().poke();

    await vi.waitFor(async () => expect(await pending()).toBe(0), {
      timeout: 10_000,
      interval: 50,
    });
    const log = (await relay().sendLog()).slice(sendsBefore);
    expect(log.length).toBeGreaterThanOrEqual(3);
    for (const send of log) expect(send.messages).toBeLessThanOrEqual(100);
    expect(log.flatMap((s) => s.ids)).toEqual(events.map((e) => e.id));
    // Every event reached the consumer through the real queue and was applied once.
    await vi.waitFor(async () => expect(await tallyValue("drain")).toBe(250), {
      timeout: 10_000,
      interval: 50,
    });
    expect((await relay().status()).publishedTotal).toBeGreaterThanOrEqual(250);
  });

  it("keeps each sendBatch under 256 KB", async () => {
    const events = Array.from({ length: 40 }, (_, i) => ({
      ...increment("bytes", 1, `bytes-${i}`),
      // 20 KB per event: 40 events must need at least 4 sends.
      aggregateId: `bytes-${i}-${"p".repeat(20_000)}`.slice(0, 128),
      correlationId: `bytes-${i}`,
      causationId: "c".repeat(120),
    }));
    const padded = events.map((e) => ({
      ...e,
      payload: { ...e.payload, pad: "z".repeat(20_000) },
    }));
    const before = (await relay().sendLog()).length;
    await seedOutbox(padded as never);
    await relay().poke();
    await vi.waitFor(async () => expect(await pending()).toBe(0), {
      timeout: 10_000,
      interval: 50,
    });
    const sends = (await relay().sendLog()).slice(before);
    expect(sends.length).toBeGreaterThanOrEqual(4);
    for (const send of sends) expect(send.bytes).toBeLessThanOrEqual(256 * 1024);
  });

  it("does not mark rows when sendBatch throws, re-arms itself, and delivers them later", async () => {
    await seedOutbox(Array.from({ length: 5 }, (_, i) => increment("retry", 1, `retry-${i}`)));
    const stub = relay();
    await stub.failSends(3);
    await stub.poke();

    await vi.waitFor(async () => expect((await stub.status()).consecutiveFailures).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });
    const failed = await stub.status();
    expect(failed.lastError).toMatch(/injected sendBatch failure/);
    expect(await pending()).toBe(5);
    // The relay scheduled its own retry instead of relying on the platform's limited alarm retries.
    expect(failed.nextAlarmAt).toBeGreaterThan(Date.now());

    // Run the scheduled retries now instead of waiting out the backoff.
    while ((await stub.status()).consecutiveFailures < 3) await runDurableObjectAlarm(stub);
    expect(await pending()).toBe(5);
    await runDurableObjectAlarm(stub);

    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 5_000, interval: 20 });
    expect((await stub.status()).consecutiveFailures).toBe(0);
    await vi.waitFor(async () => expect(await tallyValue("retry")).toBe(5), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("marks the rows whose sends all resolved when another send of the page failed; only the rest go again", async () => {
    // One subscriber, 150 rows: two sends (100 + 50); the second fails.
    await seedOutbox(Array.from({ length: 150 }, (_, i) => increment("half", 1, `h-${i}`)));
    const stub = relay();
    const before = (await stub.sendLog()).length;
    await stub.failSends(1, 1);
    await stub.poke();
    await vi.waitFor(async () => expect((await stub.status()).consecutiveFailures).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await pending()).toBe(50);
    await runDurableObjectAlarm(stub);
    expect(await pending()).toBe(0);
    const sends = (await stub.sendLog()).slice(before);
    // The first send's 100 rows went once; the 50 of the failed one went on the next run.
    expect(sends.map((send) => send.messages)).toEqual([100, 50]);
    await vi.waitFor(async () => expect(await tallyValue("half")).toBe(150), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("a run that published rows before a send failed tries again in a second; only runs that publish nothing back off longer", async () => {
    // Three pages (500, 500, 100 rows), a page five sends of 100.
    await seedOutbox(Array.from({ length: 1_100 }, (_, i) => increment("partial", 1, `p-${i}`)));
    const stub = relay();
    const publishedBefore = (await stub.status()).publishedTotal;
    // Every send of the first page fails, twice: nothing published, the backoff grows.
    await stub.failSends(5);
    await stub.poke();
    await vi.waitFor(async () => expect((await stub.status()).consecutiveFailures).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });
    await stub.failSends(5);
    await runDurableObjectAlarm(stub);
    expect((await stub.status()).consecutiveFailures).toBe(2);
    expect(await pending()).toBe(1_100);
    // The first page goes out, then one send of the second fails: 900 rows published.
    await stub.failSends(1, 5);
    await runDurableObjectAlarm(stub);
    expect(await pending()).toBe(200);
    const status = await stub.status();
    expect(status.consecutiveFailures).toBe(1);
    expect(status.nextAlarmAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(status.publishedTotal - publishedBefore).toBe(900);
    await runDurableObjectAlarm(stub);
    expect(await pending()).toBe(0);
    expect((await stub.status()).consecutiveFailures).toBe(0);
    await vi.waitFor(async () => expect(await tallyValue("partial")).toBe(1_100), {
      timeout: 20_000,
      interval: 100,
    });
  }, 30_000);

  it("a poke during a run arms the next one: rows committed meanwhile leave without waiting for the cron", async () => {
    const stub = relay();
    await stub.slowSends(300);
    try {
      await seedOutbox([increment("meanwhile", 1)]);
      await stub.poke();
      await new Promise((r) => setTimeout(r, 100)); // the first run is now inside its send
      await seedOutbox([increment("meanwhile", 10)]);
      await stub.poke();
      // Well before any backoff or cron: only the second run can have sent the second row.
      await vi.waitFor(async () => expect(await pending()).toBe(0), {
        timeout: 4_000,
        interval: 20,
      });
      await vi.waitFor(async () => expect(await tallyValue("meanwhile")).toBe(11), {
        timeout: 5_000,
        interval: 20,
      });
      expect((await stub.status()).consecutiveFailures).toBe(0);
    } finally {
      await stub.slowSends(0);
    }
  });

  it("does not mark a row sent to one subscriber while the send to the other failed", async () => {
    const mirrored = tallyEvent("TallyMirrored", "mirrored", 4);
    await seedOutbox([mirrored]);
    const stub = relay();
    const sendsBefore = (await stub.sendLog()).length;
    await stub.failSends(1);
    await stub.poke();
    await vi.waitFor(async () => expect((await stub.status()).consecutiveFailures).toBe(1), {
      timeout: 5_000,
      interval: 20,
    });
    // One subscriber's queue has the event, the other's send threw: the row stays pending.
    expect((await stub.sendLog()).slice(sendsBefore).flatMap((s) => s.ids)).toEqual([mirrored.id]);
    expect(await pending()).toBe(1);

    await runDurableObjectAlarm(stub);
    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 5_000, interval: 20 });
    // Sent again to both: the one that had it gets a duplicate, which its inbox drops.
    const ids = (await stub.sendLog()).slice(sendsBefore).flatMap((s) => s.ids);
    expect(ids).toEqual([mirrored.id, mirrored.id, mirrored.id]);
    await vi.waitFor(async () => expect(await tallyValue("mirrored")).toBe(4), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("backs off exponentially up to a minute", () => {
    expect([1, 2, 3, 4, 10].map(relayBackoffMs)).toEqual([1000, 2000, 4000, 8000, 60_000]);
  });

  it("marks events nobody subscribes to as published without sending them", async () => {
    const event = catalog.create("Unrouted", {
      aggregateType: "x",
      aggregateId: "x",
      correlationId: "x",
      causationId: "x",
      payload: {},
    });
    await seedOutbox([event as never]);
    await relay().poke();
    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 5_000, interval: 20 });
  });

  it("sends the events a poke hands over first, without reading them, and never twice", async () => {
    const waiting = Array.from({ length: 3 }, (_, i) =>
      increment("handover", 1, `handover-old-${i}`),
    );
    await seedOutbox(waiting); // committed earlier, their poke lost
    const fresh = Array.from({ length: 2 }, (_, i) =>
      increment("handover", 1, `handover-new-${i}`),
    );
    const before = (await relay().sendLog()).length;
    await seedOutbox(fresh);
    await relay().poke({ events: fresh });
    await vi.waitFor(async () => expect(await pending()).toBe(0), {
      timeout: 10_000,
      interval: 20,
    });
    const sent = (await relay().sendLog()).slice(before).flatMap((s) => s.ids);
    // The handed-over events go out first, then the page reader finds the older ones.
    expect(sent).toEqual([...fresh, ...waiting].map((e) => e.id));

    // Handed over again after the page reader published it: not sent a second time.
    const late = increment("handover", 1, "handover-late");
    await seedOutbox([late]);
    await relay().poke();
    await vi.waitFor(async () => expect(await pending()).toBe(0), {
      timeout: 10_000,
      interval: 20,
    });
    const afterLate = (await relay().sendLog()).length;
    const poked = Date.now();
    await relay().poke({ events: [late] });
    // The run that poke starts is over (another may be armed: files share this relay).
    await vi.waitFor(
      async () => expect((await relay().status()).lastSuccessAt ?? 0).toBeGreaterThanOrEqual(poked),
      { timeout: 10_000, interval: 20 },
    );
    expect((await relay().sendLog()).slice(afterLate).flatMap((s) => s.ids)).not.toContain(late.id);
    await vi.waitFor(async () => expect(await tallyValue("handover")).toBe(6), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it("a poke's events leave in the poke's own run, with no alarm armed to send them", async () => {
    const stub = relay();
    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 10_000 });
    const events = [increment("inline", 1), increment("inline", 2)];
    await seedOutbox(events);
    const before = (await stub.sendLog()).length;
    const poked = Date.now();
    await stub.poke({ events });
    // The alarm is only the safety net, 10 s out: the poke's run sends them well before.
    expect((await stub.status()).nextAlarmAt ?? Number.POSITIVE_INFINITY).toBeGreaterThan(
      poked + 5_000,
    );
    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 4_000, interval: 20 });
    expect(Date.now() - poked).toBeLessThan(5_000);
    const sent = (await stub.sendLog()).slice(before).flatMap((s) => s.ids);
    expect(sent).toEqual(events.map((e) => e.id));
    await vi.waitFor(async () => expect(await tallyValue("inline")).toBe(3), {
      timeout: 10_000,
      interval: 20,
    });
  });

  it("a poke's run that dies midway is finished by the safety alarm armed before it", async () => {
    const stub = relay();
    await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 10_000 });
    const events = [increment("safety", 1), increment("safety", 2)];
    await seedOutbox(events);
    await stub.slowSends(3_000);
    const poked = Date.now();
    // The poke's run is stuck in its send (as an object that will die before it returns).
    const stuck = stub.poke({ events }).catch(() => undefined);
    await vi.waitFor(
      async () => expect((await stub.status()).nextAlarmAt).toBeGreaterThan(poked + 5_000),
      { timeout: 2_000, interval: 20 },
    );
    expect(await pending()).toBe(2);
    // The object comes back without the run it had: its alarm sends what the run did not mark.
    await stub.slowSends(0);
    await stub.forgetRunInProgress();
    await runDurableObjectAlarm(stub);
    expect(await pending()).toBe(0);
    await stuck;
    await vi.waitFor(async () => expect(await tallyValue("safety")).toBe(3), {
      timeout: 10_000,
      interval: 20,
    });
  });
});
