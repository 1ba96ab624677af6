import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { benchBaselinesEnabled } from "../bench/baselines";
import { pokeRelay } from "../src/relay/outbox-relay";
import { count, increment, seedOutbox } from "./helpers";

const admin = (path: string, init?: RequestInit) =>
  exports.default.fetch(`http://kit${path}`, init);
const setPolling = (relayPollIntervalMs: number | null) =>
  admin("/bench-baseline", {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ relayPollIntervalMs }),
  });
const pendingOf = (id: string) =>
  count("SELECT COUNT(*) AS n FROM outbox WHERE event_id = ? AND published_at IS NULL", id);

describe("bench baselines", () => {
  it('exist only when BENCH_BASELINES_ENABLED is exactly "true"', () => {
    expect(benchBaselinesEnabled({ BENCH_BASELINES_ENABLED: "true" })).toBe(true);
    for (const value of [undefined, "false", "TRUE", "1", true])
      expect(benchBaselinesEnabled({ BENCH_BASELINES_ENABLED: value })).toBe(false);
  });

  it("polling relay: ignores pokes and publishes on its interval; null goes back to pokes", async () => {
    expect((await setPolling(1_500)).status).toBe(200);
    try {
      const event = increment("polled", 1);
      await seedOutbox([event]);
      const seeded = Date.now();
      await pokeRelay(env.RELAY);
      await new Promise((r) => setTimeout(r, 300));
      // A poke-driven relay publishes within a few ms; the polling one waits for its tick.
      if (Date.now() - seeded < 1_200) expect(await pendingOf(event.id)).toBe(1);
      await vi.waitFor(async () => expect(await pendingOf(event.id)).toBe(0), {
        timeout: 5_000,
        interval: 50,
      });
    } finally {
      expect((await setPolling(null)).status).toBe(200);
    }
    const next = increment("poked", 1);
    await seedOutbox([next]);
    await pokeRelay(env.RELAY);
    await vi.waitFor(async () => expect(await pendingOf(next.id)).toBe(0), {
      timeout: 1_000,
      interval: 20,
    });
  });

  it("refuses an invalid interval", async () => {
    const res = await setPolling(5);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "VALIDATION_FAILED",
    );
  });
});
