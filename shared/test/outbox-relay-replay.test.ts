import { exports } from "cloudflare:workers";
import { createEnvelope } from "@edge-saga/shared";
import { describe, expect, it, vi } from "vitest";
import { count, increment, relay, seedOutbox, tallyValue } from "./helpers";

const pending = () => count("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL");
const deliveriesOf = (ids: string[]) =>
  count(
    "SELECT COALESCE(SUM(count), 0) AS n FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?))",
    JSON.stringify(ids),
  );

function postReplay(body: unknown) {
  return exports.default.fetch("http://kit/replay", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function publishAll() {
  await relay().poke();
  await vi.waitFor(async () => expect(await pending()).toBe(0), { timeout: 30_000, interval: 50 });
}

describe("outbox relay: replay", () => {
  it("re-sends the retained rows since a time, to the subscriber only, in commit order; the consumer dedupes", async () => {
    const before = Array.from({ length: 3 }, (_, i) => increment("old", 1, `old-${i}`));
    await seedOutbox(before);
    await publishAll();
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    const after = Array.from({ length: 230 }, (_, i) => increment("replayed", 1, `rep-${i}`));
    // A type nobody subscribes to stays out of the replay.
    const unrouted = createEnvelope({
      type: "Unrouted",
      source: "kit-test",
      aggregateType: "x",
      aggregateId: "x",
      correlationId: "x",
      causationId: "x",
      payload: {},
    });
    await seedOutbox([...after.slice(0, 100), unrouted as never, ...after.slice(100)]);
    await publishAll();
    await vi.waitFor(async () => expect(await tallyValue("replayed")).toBe(230), {
      timeout: 30_000,
      interval: 50,
    });
    const sendsBefore = (await relay().sendLog()).length;

    const res = await postReplay({ to: "tester", since });
    expect(res.status).toBe(202);
    expect((await res.json<{ replay: { to: string } }>()).replay.to).toBe("tester");

    await vi.waitFor(
      async () => expect((await relay().replays()).tester?.finishedAt).not.toBeNull(),
      { timeout: 30_000, interval: 50 },
    );
    const job = (await relay().replays()).tester;
    expect(job?.sent).toBe(230);
    const sends = (await relay().sendLog()).slice(sendsBefore);
    for (const send of sends) expect(send.messages).toBeLessThanOrEqual(100);
    expect(sends.flatMap((s) => s.ids)).toEqual(after.map((e) => e.id));
    // Delivered a second time through the real queue, applied still once.
    await vi.waitFor(
      async () => expect(await deliveriesOf(after.map((e) => e.id))).toBe(2 * after.length),
      { timeout: 30_000, interval: 50 },
    );
    expect(await deliveriesOf(before.map((e) => e.id))).toBe(before.length);
    expect(await tallyValue("replayed")).toBe(230);
    // Three waits through the real queue on a machine the whole suite shares: each may be slow.
  }, 90_000);

  it("carries a replay on over as many runs as its budget needs, each row sent once, in order", async () => {
    const rows = Array.from({ length: 450 }, (_, i) => increment("long-replay", 1, `long-${i}`));
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await seedOutbox(rows);
    await publishAll();
    await vi.waitFor(async () => expect(await tallyValue("long-replay")).toBe(450), {
      timeout: 30_000,
      interval: 50,
    });
    const stub = relay();
    const sendsBefore = (await stub.sendLog()).length;
    const runsBefore = (await stub.status()).lastSuccessAt ?? 0;
    // One page read and one send per run at most: 450 rows take at least five runs.
    await stub.setOperationBudget(2);
    try {
      expect((await postReplay({ to: "tester", since })).status).toBe(202);
      await vi.waitFor(
        async () => expect((await stub.replays()).tester?.finishedAt).not.toBeNull(),
        { timeout: 15_000, interval: 50 },
      );
    } finally {
      await stub.setOperationBudget(undefined);
    }
    const sends = (await stub.sendLog()).slice(sendsBefore);
    expect(sends.length).toBeGreaterThanOrEqual(5);
    expect(sends.flatMap((s) => s.ids)).toEqual(rows.map((e) => e.id));
    expect((await stub.replays()).tester?.sent).toBe(450);
    expect((await stub.status()).lastSuccessAt).toBeGreaterThan(runsBefore);
    await vi.waitFor(
      async () => expect(await deliveriesOf(rows.map((e) => e.id))).toBe(2 * rows.length),
      { timeout: 30_000, interval: 50 },
    );
    expect(await tallyValue("long-replay")).toBe(450);
    // Many runs of a tiny budget on a busy machine (the whole suite at once): give it time.
  }, 90_000);

  it("refuses an unknown subscriber and a malformed request", async () => {
    const unknown = await postReplay({ to: "nobody", since: new Date(0).toISOString() });
    expect(unknown.status).toBe(422);
    expect((await unknown.json<{ error: { code: string } }>()).error.code).toBe(
      "UNKNOWN_SUBSCRIBER",
    );
    const bad = await postReplay({ to: "tester", since: "yesterday" });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe("VALIDATION_FAILED");
  });
});
