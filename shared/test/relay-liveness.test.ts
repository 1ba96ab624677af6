import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runMaintenance } from "../src/maintenance/maintenance";
import { pokeRelay } from "../src/relay/outbox-relay";
import { clearPlan, injected, noRunSoon, pending, relayIdle, setPlan, wait } from "./fault-support";
import { increment, relay, seedOutbox, tallyValue } from "./helpers";

afterEach(clearPlan);

describe("relay liveness", () => {
  it("relay.alarm-fails beyond the platform's 6 retries: the relay keeps re-arming, the cron resumes delivery", async () => {
    await relayIdle();
    await setPlan({ "relay.alarm-fails": 1 });
    await seedOutbox([increment("alive", 1), increment("alive", 2)]);
    const stub = relay();
    await pokeRelay(env.RELAY);
    await vi.waitFor(
      async () => expect((await stub.status()).consecutiveFailures).toBeGreaterThanOrEqual(1),
      wait,
    );
    // Run each re-armed alarm at once instead of waiting out the backoff: 10 failures in a row.
    while ((await stub.status()).consecutiveFailures < 10) {
      expect((await stub.status()).nextAlarmAt).not.toBeNull();
      expect(await runDurableObjectAlarm(stub)).toBe(true);
    }
    const failing = await stub.status();
    expect(failing.lastError).toMatch(/injected fault relay\.alarm-fails/);
    expect(failing.nextAlarmAt).toBeGreaterThan(Date.now() + 30_000); // backed off to a minute
    expect(await injected("relay.alarm-fails")).toBeGreaterThanOrEqual(10);
    expect(await pending()).toBe(2);
    // A commit's poke does not cut the backoff short...
    await pokeRelay(env.RELAY);
    expect((await stub.status()).nextAlarmAt).toBe(failing.nextAlarmAt);

    // ...the cron's does: once the cause is gone, delivery resumes within a minute, not after it.
    await clearPlan();
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => expect(await pending()).toBe(0), wait);
    await vi.waitFor(async () => expect(await tallyValue("alive")).toBe(3), wait);
    expect((await stub.status()).consecutiveFailures).toBe(0);
  });

  it("the cron re-arms a relay whose alarm the platform gave up on", async () => {
    await relayIdle();
    await setPlan({ "relay.send-throws": 1 });
    await seedOutbox([increment("given-up", 5)]);
    const stub = relay();
    await pokeRelay(env.RELAY);
    await vi.waitFor(
      async () => expect((await stub.status()).consecutiveFailures).toBeGreaterThanOrEqual(1),
      wait,
    );
    await stub.dropAlarm();
    await clearPlan();
    expect(noRunSoon(await stub.status())).toBe(true);
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => expect(await tallyValue("given-up")).toBe(5), wait);
    expect(await pending()).toBe(0);
  });

  it("drains a backlog of 10,000 pending events through the real local queue, each sent once in commit order", async () => {
    await relayIdle();
    const started = Date.now();
    const events = Array.from({ length: 10_000 }, (_, i) =>
      increment(`backlog-${i % 10}`, 1, `backlog-${i}`),
    );
    // Counted before the rows exist: an alarm left armed by an earlier file of this runtime may
    // start the drain while they are written.
    const before = (await relay().sendLog()).length;
    await seedOutbox(events);
    const seeded = Date.now();
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => expect(await pending()).toBe(0), {
      timeout: 60_000,
      interval: 250,
    });
    const drained = Date.now();
    // Every sendBatch was accepted by the local broker (no 10,000-timer trap), once per event.
    const sent = (await relay().sendLog()).slice(before).flatMap((s) => s.ids);
    expect(sent).toEqual(events.map((e) => e.id));
    expect((await relay().status()).consecutiveFailures).toBe(0);
    // And every one of them is applied, once.
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare(
          "SELECT SUM(value) AS n FROM tallies WHERE id LIKE 'backlog-%'",
        ).first<{ n: number | null }>();
        expect(row?.n).toBe(10_000);
      },
      { timeout: 120_000, interval: 500 },
    );
    const applied = Date.now();
    console.warn(
      `10,000-event backlog: seeded in ${seeded - started} ms, relay drained it in ${drained - seeded} ms, consumer applied it in ${applied - seeded} ms`,
    );
  }, 240_000);
});
