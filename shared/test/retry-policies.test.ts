import { describe, expect, it } from "vitest";
import { delayMs, RETRY_POLICIES, withInitialInterval } from "../src/retry/retry-policies";

const waits = (policy: Parameters<typeof delayMs>[0], attempts: number) =>
  Array.from({ length: attempts }, (_, i) => delayMs(policy, i + 1));

describe("retry policies (unit)", () => {
  it("delivery: a failing message waits 2 s, 4 s, 8 s ... and never more than 5 minutes", () => {
    expect(waits(RETRY_POLICIES.delivery, 9)).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
    ]);
    expect(delayMs(RETRY_POLICIES.delivery, 100)).toBe(300_000);
  });

  it("effect and relay: 1 s, 2 s, 4 s ... capped at a minute", () => {
    for (const policy of [RETRY_POLICIES.effect, RETRY_POLICIES.relay]) {
      expect(waits(policy, 8)).toEqual([
        1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
      ]);
    }
  });

  it("resend and heldCopy: 2, 4, 8 ... base intervals, capped at 10 minutes", () => {
    expect(waits(RETRY_POLICIES.resend, 5)).toEqual([60_000, 120_000, 240_000, 480_000, 600_000]);
    const held = withInitialInterval(RETRY_POLICIES.heldCopy, 2 * 1_000);
    expect(waits(held, 3)).toEqual([2_000, 4_000, 8_000]);
    expect(delayMs(held, 50)).toBe(600_000);
  });

  it("conflict: re-read at once, three rounds in all", () => {
    expect(waits(RETRY_POLICIES.conflict, 3)).toEqual([0, 0, 0]);
    expect(RETRY_POLICIES.conflict.maxAttempts).toBe(3);
  });

  it("stays finite and capped for any attempt number, and treats attempts below 1 as the first", () => {
    expect(delayMs(RETRY_POLICIES.relay, 10_000)).toBe(60_000);
    expect(delayMs(RETRY_POLICIES.relay, Number.MAX_SAFE_INTEGER)).toBe(60_000);
    expect(delayMs(RETRY_POLICIES.relay, 0)).toBe(1_000);
    expect(delayMs(RETRY_POLICIES.relay, -3)).toBe(1_000);
  });
});
