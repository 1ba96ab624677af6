import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { faultRandom } from "../src/faults/faults";
import { runMaintenance } from "../src/maintenance/maintenance";
import { pokeRelay } from "../src/relay/outbox-relay";
import {
  admin,
  clearPlan,
  deliveriesOf,
  injected,
  noRunSoon,
  pending,
  relayIdle,
  setPlan,
  sleep,
  wait,
} from "./fault-support";
import { count, increment, relay, seedOutbox, tallyValue } from "./helpers";
import worker from "./worker/src/index";

const handler = worker as ExportedHandler<Env>;
let nextMessage = 0;
const message = (body: unknown) => ({
  id: `fault-m-${++nextMessage}`,
  timestamp: new Date(),
  attempts: 1,
  body,
});

afterEach(clearPlan);

describe("fault plan", () => {
  it("is seeded: the same seed replays the same decisions per point, another seed does not", async () => {
    const decisions = async (seed: number) => {
      await setPlan({ "relay.send-throws": 0.5, "relay.poke-lost": 0.5 }, seed);
      const out: boolean[] = [];
      for (let i = 0; i < 40; i++) out.push(await relay().injectFault("relay.send-throws"));
      return out;
    };
    const first = await decisions(42);
    // Draws of another point in between do not shift this point's sequence.
    await setPlan({ "relay.send-throws": 0.5, "relay.poke-lost": 0.5 }, 42);
    const replay: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      await relay().injectFault("relay.poke-lost");
      replay.push(await relay().injectFault("relay.send-throws"));
    }
    expect(replay).toEqual(first);
    expect(await decisions(43)).not.toEqual(first);
    const hits = first.filter(Boolean).length;
    expect(hits).toBeGreaterThan(8);
    expect(hits).toBeLessThan(32);
    // The counters report what was injected, by point.
    const report = (await (await admin("/faults")).json()) as {
      enabled: boolean;
      plan: { seed: number };
      injected: Record<string, number>;
    };
    expect(report.enabled).toBe(true);
    expect(report.plan.seed).toBe(43);
    expect(report.injected["relay.send-throws"]).toBeGreaterThan(0);
  });

  it("draws well-spread numbers in [0, 1) that depend on seed, point and draw", () => {
    const xs = Array.from({ length: 1000 }, (_, i) => faultRandom(7, "p", i));
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(faultRandom(7, "p", 3)).toBe(xs[3]);
    expect(faultRandom(8, "p", 3)).not.toBe(xs[3]);
    expect(faultRandom(7, "q", 3)).not.toBe(xs[3]);
  });

  it("rejects a plan with an unknown point or a probability outside 0..1; DELETE stops faults", async () => {
    for (const body of [
      { seed: 1, probabilities: { "relay.nope": 0.5 } },
      { seed: 1, probabilities: { "relay.send-throws": 1.5 } },
      { seed: 1.5, probabilities: {} },
      { probabilities: {} },
    ]) {
      const res = await admin("/faults", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
    }
    await setPlan({ "relay.send-throws": 1 });
    expect(await relay().injectFault("relay.send-throws")).toBe(true);
    const cleared = await admin("/faults", { method: "DELETE" });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ enabled: true, plan: null, injected: {}, drawn: {} });
    expect(await relay().injectFault("relay.send-throws")).toBe(false);
  });

  it("when FAULTS_ENABLED is not 'true': PUT and DELETE answer 404 FAULTS_DISABLED and no fault fires", async () => {
    await relayIdle();
    // A plan stored while enabled must not act once the variable is gone.
    await setPlan({
      "relay.send-throws": 1,
      "relay.poke-lost": 1,
      "relay.alarm-fails": 1,
      "consumer.throw-after-commit": 1,
    });
    await relay().setFaultsEnabled(false);
    const off = { ...env, FAULTS_ENABLED: undefined } as Env;
    const call = (method: string) =>
      handler.fetch?.(
        new Request("http://kit/faults", {
          method,
          headers: { "content-type": "application/json" },
          body: method === "GET" ? undefined : JSON.stringify({ seed: 1, probabilities: {} }),
        }) as Request<unknown, IncomingRequestCfProperties>,
        off,
        createExecutionContext(),
      ) as Promise<Response>;
    for (const method of ["PUT", "DELETE"]) {
      const res = await call(method);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "FAULTS_DISABLED",
      );
    }
    expect(await (await call("GET")).json()).toEqual({ enabled: false, plan: null, injected: {} });

    const event = increment("disabled", 3);
    await seedOutbox([event]);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => expect(await pending()).toBe(0), wait);
    const batch = createMessageBatch("tester-inbox", [message(increment("disabled", 4))]);
    const ctx = createExecutionContext();
    await handler.queue?.(batch, off, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(1);
    await vi.waitFor(async () => expect(await tallyValue("disabled")).toBe(7), wait);
    expect((await relay().status()).consecutiveFailures).toBe(0);
    await relay().setFaultsEnabled(true);
    expect((await relay().faults()).injected).toEqual({});
  });
});

describe("fault points", () => {
  it("relay.poke-lost: the commit's poke does nothing; rows wait for maintenance", async () => {
    await relayIdle();
    await setPlan({ "relay.poke-lost": 1 });
    const events = [increment("poke-lost", 1), increment("poke-lost", 2)];
    await seedOutbox(events);
    await pokeRelay(env.RELAY);
    await sleep(300);
    expect(await pending()).toBe(2);
    expect(noRunSoon(await relay().status())).toBe(true);
    expect(await injected("relay.poke-lost")).toBe(1);
    // The cron's poke is never lost, even with the plan still active.
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => expect(await pending()).toBe(0), wait);
    await vi.waitFor(async () => expect(await tallyValue("poke-lost")).toBe(3), wait);
  });

  it("relay.send-throws: nothing is marked, the relay backs off, and delivers once faults stop", async () => {
    await relayIdle();
    await setPlan({ "relay.send-throws": 1 });
    await seedOutbox([increment("throws", 1), increment("throws", 1), increment("throws", 1)]);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => {
      const status = await relay().status();
      expect(status.consecutiveFailures).toBeGreaterThanOrEqual(1);
      expect(status.lastError).toMatch(/injected fault relay\.send-throws/);
      expect(status.nextAlarmAt).toBeGreaterThan(Date.now());
    }, wait);
    expect(await pending()).toBe(3);
    await clearPlan();
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => expect(await tallyValue("throws")).toBe(3), wait);
    expect(await pending()).toBe(0);
  });

  it("relay.send-hangs: the send timeout (set by the plan) fires, the rows stay pending, later delivered", async () => {
    await relayIdle();
    await setPlan({ "relay.send-hangs": 1 }, 1, { sendTimeoutMs: 100 });
    const event = increment("hangs", 2);
    await seedOutbox([event]);
    await pokeRelay(env.RELAY);
    await vi.waitFor(
      async () =>
        expect((await relay().status()).lastError).toMatch(
          /sendBatch to tester timed out after 100 ms/,
        ),
      wait,
    );
    expect(await pending()).toBe(1);
    expect(await deliveriesOf(event.id)).toBe(0);
    await clearPlan();
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => expect(await tallyValue("hangs")).toBe(2), wait);
    expect(await deliveriesOf(event.id)).toBe(1);
  });

  it("relay.crash-after-send: sent rows are sent again (duplicates on the wire), applied once", async () => {
    await relayIdle();
    await setPlan({ "relay.crash-after-send": 1 });
    const events = [increment("crash", 1), increment("crash", 2)];
    await seedOutbox(events);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => {
      expect((await relay().status()).lastError).toMatch(/relay\.crash-after-send/);
      expect(await deliveriesOf(events[0]!.id)).toBe(1);
    }, wait);
    expect(await pending()).toBe(2);
    await clearPlan();
    await runMaintenance(env.DB, env.RELAY);
    await vi.waitFor(async () => {
      for (const e of events) expect(await deliveriesOf(e.id)).toBe(2);
      expect(await pending()).toBe(0);
      expect(await tallyValue("crash")).toBe(3);
    }, wait);
    await sleep(200);
    expect(await tallyValue("crash")).toBe(3);
  });

  it("relay.duplicate-delivery: every message goes out twice, the effect happens once", async () => {
    await relayIdle();
    await setPlan({ "relay.duplicate-delivery": 1 });
    const events = Array.from({ length: 5 }, () => increment("dupe", 1));
    await seedOutbox(events);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => {
      for (const e of events) expect(await deliveriesOf(e.id)).toBe(2);
      expect(await tallyValue("dupe")).toBe(5);
    }, wait);
    await sleep(200);
    expect(await tallyValue("dupe")).toBe(5);
    const ids = (await relay().sendLog()).flatMap((s) => s.ids);
    for (const e of events) expect(ids.filter((id) => id === e.id)).toHaveLength(2);
    for (const e of events)
      expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id = ?", e.id)).toBe(1);
    expect(await injected("relay.duplicate-delivery")).toBe(1);
  });

  it("relay.shuffle-delay: a send goes out shuffled and delayed, every event still applied once", async () => {
    await relayIdle();
    await setPlan({ "relay.shuffle-delay": 1 }, 7);
    const events = Array.from({ length: 10 }, (_, i) => increment("shuffle", i + 1));
    const before = (await relay().sendLog()).length;
    await seedOutbox(events);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => expect(await pending()).toBe(0), wait);
    const sent = (await relay().sendLog()).slice(before).flatMap((s) => s.ids);
    expect(sent).not.toEqual(events.map((e) => e.id));
    expect([...sent].sort()).toEqual(events.map((e) => e.id).sort());
    await vi.waitFor(async () => expect(await tallyValue("shuffle")).toBe(55), {
      timeout: 15_000,
      interval: 50,
    });
  });

  it("consumer.throw-after-commit: the batch throws after the commit, before the ack; nothing after it runs", async () => {
    await setPlan({ "consumer.throw-after-commit": 1 });
    const first = increment("after-commit", 1);
    const second = increment("after-commit", 10);
    const batch = createMessageBatch("tester-inbox", [message(first), message(second)]);
    const ctx = createExecutionContext();
    await expect(handler.queue?.(batch, env, ctx)).rejects.toThrow(
      /injected fault consumer\.throw-after-commit/,
    );
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    // Committed (the crash came after it), the second never ran.
    expect(await tallyValue("after-commit")).toBe(1);
  });

  it("consumer.throw-after-commit is decided once per batch, as a crash takes down an invocation", async () => {
    await setPlan({ "consumer.throw-after-commit": 0.000_001 });
    const events = Array.from({ length: 5 }, (_, i) => increment("per-batch", 1, `pb-${i}`));
    const batch = createMessageBatch("tester-inbox", events.map(message));
    const ctx = createExecutionContext();
    await handler.queue?.(batch, env, ctx);
    await getQueueResult(batch, ctx);
    expect(await tallyValue("per-batch")).toBe(5);
    expect((await relay().faults()).drawn?.["consumer.throw-after-commit"]).toBe(1);
  });

  it("consumer.throw-after-commit through the real queue: redelivered, applied once, not dead-lettered", async () => {
    await setPlan({ "consumer.throw-after-commit": 1 });
    const event = increment("redelivered", 4);
    await env.TEST_INBOX.send(event);
    await vi.waitFor(async () => expect(await deliveriesOf(event.id)).toBe(2), {
      timeout: 15_000,
      interval: 50,
    });
    expect(await tallyValue("redelivered")).toBe(4);
    // Only the committed delivery drew a fault; the redelivery was a duplicate and acked.
    expect(await injected("consumer.throw-after-commit")).toBe(1);
    await sleep(300);
    expect(await deliveriesOf(event.id)).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM dead_letters WHERE event_id = ?", event.id)).toBe(
      0,
    );
  });
});
