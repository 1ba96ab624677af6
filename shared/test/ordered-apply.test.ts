import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCatalog, defineEvent } from "../src/catalog";
import { createInboxConsumer, ordered } from "../src/inbox/inbox-consumer";
import { gapReason, missingRanges, orderedVerdict } from "../src/inbox/ordered-apply";
import { checkOrdered } from "../src/inbox/ordered-check";
import { db } from "./helpers";

describe("ordered apply, the rule (unit)", () => {
  it("applies the next sequence, drops one already applied, holds one beyond a gap", () => {
    expect(orderedVerdict(0, 1)).toEqual({ action: "apply" });
    expect(orderedVerdict(3, 4)).toEqual({ action: "apply" });
    expect(orderedVerdict(3, 3)).toEqual({ action: "duplicate" });
    expect(orderedVerdict(3, 1)).toEqual({ action: "duplicate" });
    expect(orderedVerdict(1, 4)).toEqual({ action: "hold", missing: { from: 2, to: 3 } });
  });

  it("refuses an event its producer did not number", () => {
    expect(() => orderedVerdict(0, 0)).toThrow(/sequences from 1, got 0/);
  });

  it("names every missing range, and what was held since when", () => {
    expect(missingRanges(1, [3, 4, 7])).toEqual(["2", "5..6"]);
    expect(missingRanges(2, [3, 4])).toEqual([]);
    const key = { source: "order", aggregateType: "order", aggregateId: "o1" };
    const since = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(gapReason(key, 2, [6, 4, 5], since)).toBe(
      "GAP: order o1 from order: sequence 3 never arrived; held 4..6 since 2026-01-02T03:04:05.000Z; replay these dead letters in sequence order",
    );
    expect(gapReason(key, 1, [4, 7], since)).toMatch(
      /sequences 2\.\.3, 5\.\.6 never arrived; held 4, 7 /,
    );
    expect(gapReason(key, 2, [3], since)).toMatch(/sequence 3 could not be applied when released/);
  });
});

const Payload = z.object({ id: z.string() });
const Opened = defineEvent({
  type: "AccountOpened",
  version: 1,
  producer: "bank",
  subscribers: ["ledger"],
  aggregate: "account",
  payload: Payload,
});
const Closed = defineEvent({
  type: "AccountClosed",
  version: 1,
  producer: "bank",
  subscribers: ["ledger"],
  aggregate: "account",
  payload: Payload,
});
const Unnamed = defineEvent({
  type: "Pinged",
  version: 1,
  producer: "bank",
  subscribers: ["ledger"],
  payload: Payload,
});
const bank = defineCatalog([Opened, Closed, Unnamed]);
const noop = () => ({});

describe("ordered apply, checked against the catalog when the consumer is defined (unit)", () => {
  it("accepts ordered handlers for every event of the aggregate", () => {
    expect(() =>
      checkOrdered(bank, "ledger", { AccountOpened: ordered(noop), AccountClosed: ordered(noop) }),
    ).not.toThrow();
  });

  it("refuses an ordered handler when another event of its aggregate is applied unordered", () => {
    expect(() =>
      checkOrdered(bank, "ledger", { AccountOpened: ordered(noop), AccountClosed: noop }),
    ).toThrow(
      'ledger: AccountOpened is ordered, so every event of aggregate "account" from bank must reach an ordered handler here; not: AccountClosed',
    );
  });

  it("refuses an ordered handler when the service is not subscribed to another event of its aggregate", () => {
    const partial = defineCatalog([Opened, { ...Closed, subscribers: ["audit"] }, Unnamed]);
    expect(() => checkOrdered(partial, "ledger", { AccountOpened: ordered(noop) })).toThrow(
      /not: AccountClosed/,
    );
  });

  it("refuses an ordered handler for an event whose catalog names no aggregate", () => {
    expect(() => checkOrdered(bank, "ledger", { Pinged: ordered(noop) })).toThrow(
      "ledger: Pinged is ordered, so its catalog definition must name its aggregate",
    );
  });

  it("createInboxConsumer runs the check", () => {
    expect(() =>
      createInboxConsumer({
        service: "ledger",
        catalog: bank,
        db: () => db,
        handlers: { AccountOpened: ordered(noop), AccountClosed: noop, Pinged: noop },
      }),
    ).toThrow(/not: AccountClosed/);
  });
});
