import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  decideResends,
  firstLookAt,
  heldCopyDueAt,
  nextLookAfterResend,
  nextLookAfterRun,
  nextLookWhenHeld,
  owesResend,
  resendSql,
} from "../src/receipts/resend-policy";

const T = 30_000; // the receipt timeout
const published = 1_000_000;
const event = { publishedAt: published };

describe("the re-send rule (unit)", () => {
  it("1: a published event is first looked at one timeout later", () => {
    expect(firstLookAt(published, T)).toBe(published + T);
  });

  it("2a: a subscriber that acknowledged an event published a timeout after this one gets it again at once", () => {
    const moved = { publishedAt: published + T, at: published + T + 10 };
    expect(owesResend(event, moved, published + T + 10, T)).toBe(true);
    // Published less than a timeout after: maybe only reordered; not yet.
    const near = { publishedAt: published + T - 1, at: published + T + 10 };
    expect(owesResend(event, near, published + T + 10, T)).toBe(false);
  });

  it("2b: after two timeouts, acknowledging anything published after it is enough", () => {
    const after = { publishedAt: published + 1, at: published + 2 * T };
    expect(owesResend(event, after, published + 2 * T - 1, T)).toBe(false);
    expect(owesResend(event, after, published + 2 * T, T)).toBe(true);
    // Acknowledging only older events is not moving past it.
    const older = { publishedAt: published - 1, at: published + 2 * T };
    expect(owesResend(event, older, published + 2 * T, T)).toBe(false);
  });

  it("2c: after two timeouts, a subscriber silent for a timeout gets it again (it may have lost everything)", () => {
    const silent = { publishedAt: published - 5, at: published + T };
    expect(owesResend(event, silent, published + 2 * T, T)).toBe(true);
    // Silent for less than a timeout: still working through a backlog.
    const busy = { publishedAt: published - 5, at: published + 2 * T - 1 };
    expect(owesResend(event, busy, published + 2 * T, T)).toBe(false);
    // Never acknowledged anything: silent since forever.
    expect(owesResend(event, undefined, published + 2 * T, T)).toBe(true);
    expect(owesResend(event, undefined, published + 2 * T - 1, T)).toBe(false);
  });

  it("3: a due event no subscriber owes is held, the others go only to those that owe them", () => {
    const now = published + T + 10;
    const progress = new Map([
      ["fast", { publishedAt: published + T, at: now }],
      ["slow", { publishedAt: published - 1, at: now }],
    ]);
    const decision = decideResends(
      [
        { eventId: "a", publishedAt: published, awaiting: '["fast","slow"]' },
        { eventId: "b", publishedAt: published, awaiting: '["slow"]' },
        { eventId: "c", publishedAt: published, awaiting: "not json" },
      ],
      progress,
      now,
      T,
    );
    expect([...decision.targets]).toEqual([["a", ["fast"]]]);
    expect(decision.held).toEqual(["b", "c"]);
    expect(nextLookWhenHeld(now, T)).toBe(now + T);
    expect(nextLookAfterRun(now, decision, T)).toBe(now + T);
    expect(nextLookAfterRun(now, { targets: decision.targets, held: [] }, T)).toBe(now + 2 * T);
  });

  it("a re-sent event is looked at again after 2, 4, 8 ... timeouts, at most 10 minutes", () => {
    expect([0, 1, 2, 3, 4].map((resends) => nextLookAfterResend(0, resends, T))).toEqual([
      60_000, 120_000, 240_000, 480_000, 600_000,
    ]);
    expect(nextLookAfterResend(0, 0, 5_000)).toBe(10_000);
  });

  it("4: a held self-read copy not applied is checked again after 2, 4 ... check intervals, at most 10 minutes", () => {
    expect([0, 1, 2].map((resends) => heldCopyDueAt(0, resends, 1_000))).toEqual([
      2_000, 4_000, 8_000,
    ]);
    expect(heldCopyDueAt(0, 40, 30_000)).toBe(600_000);
  });
});

describe("the re-send rule in SQL equals the functions (D1)", () => {
  it("times computed by D1 from resendSql match the pure functions", async () => {
    const cases: [now: number, timeout: number, resends: number][] = [
      [1_000, 30_000, 0],
      [1_000, 30_000, 3],
      [1_000, 30_000, 12],
      [5, 5_000, 1],
      [5, 250, 40],
    ];
    for (const [now, timeout, resends] of cases) {
      const row = await env.DB.prepare(
        `SELECT ${resendSql.firstLook("?1", "?2")} AS first,
                ${resendSql.afterResend("?1", "?2", "?3")} AS again,
                ${resendSql.whenHeld("?1", "?2")} AS held`,
      )
        .bind(now, timeout, resends)
        .first<{ first: number; again: number; held: number }>();
      expect(row).toEqual({
        first: firstLookAt(now, timeout),
        again: nextLookAfterResend(now, resends, timeout),
        held: nextLookWhenHeld(now, timeout),
      });
    }
  });
});
