import { describe, expect, it } from "vitest";
import { EMPTY_RELAY_STATUS, statusAfterFailure, statusAfterRun } from "../src/relay/relay-status";

describe("relay status", () => {
  const failing = { ...EMPTY_RELAY_STATUS, consecutiveFailures: 4, publishedTotal: 10 };

  it("a run that published before failing restarts its streak at 1; one that published nothing backs off further", () => {
    const progress = statusAfterFailure(failing, {
      now: 1,
      error: "x",
      published: 3,
      unrouted: {},
    });
    expect(progress.consecutiveFailures).toBe(1);
    expect(progress.publishedTotal).toBe(13);
    const stuck = statusAfterFailure(failing, { now: 1, error: "x", published: 0, unrouted: {} });
    expect(stuck.consecutiveFailures).toBe(5);
    expect(stuck.lastError).toBe("x");
  });

  it("a run that succeeded ends the streak and adds its counts, unrouted by subscriber", () => {
    const ok = statusAfterRun(
      { ...failing, unrouted: { view: 2 } },
      { now: 5, published: 2, resent: 1, heldResent: 0, unrouted: [{ view: 1 }, { audit: 3 }] },
    );
    expect(ok).toMatchObject({
      consecutiveFailures: 0,
      publishedTotal: 12,
      resentTotal: 1,
      lastRunAt: 5,
      unrouted: { view: 3, audit: 3 },
    });
  });
});
