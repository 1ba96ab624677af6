import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { D1CallCounts } from "../bench/d1-calls";
import { runBatch } from "../src/db/types";
import { replayDeadLetter } from "../src/dead-letters/replay-dead-letter";
import { type Decision, ordered } from "../src/inbox/inbox-consumer";
import { sweepOrderedGaps } from "../src/inbox/ordered-sweep";
import { inboxReplayer } from "../src/inbox/replayers";
import { count, db, increment, tallyValue } from "./helpers";
import { catalog } from "./worker/src/catalog";
import worker from "./worker/src/index";

type QueueMessage = Parameters<typeof createMessageBatch>[1][number];
const handler = worker as ExportedHandler<Env>;

let nextMessage = 0;
const message = (body: unknown): QueueMessage => ({
  id: `om-${++nextMessage}`,
  timestamp: new Date(),
  attempts: 1,
  body,
});

async function deliver(bodies: unknown[]) {
  const batch = createMessageBatch("tester-inbox", bodies.map(message));
  const ctx = createExecutionContext();
  await handler.queue?.(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const d1Calls = async () =>
  ((await (await exports.default.fetch("http://kit/bench/d1-calls")).json()) as D1CallCounts).total;

describe("ordered apply: unordered handlers", () => {
  it("an unordered event costs the D1 calls it cost before ordered apply", async () => {
    const before = await d1Calls();
    await deliver([increment("oa-unordered", 1)]);
    expect((await d1Calls()) - before).toBe(2);
  });

  it("costs D1 calls beyond the same handler unordered only for its aggregate's state", async () => {
    // A handler that reads the tally, then writes it, unordered (TallyDoubled).
    const doubled = catalog.create("TallyDoubled", {
      aggregateType: "tally",
      aggregateId: "oa-cost",
      correlationId: "oa-cost-doubled",
      causationId: "test",
      payload: { tallyId: "oa-cost" },
    });
    let before = await d1Calls();
    await deliver([doubled]);
    // 3, or 4 when the batch's inbox lookup does not ride with the handler's read.
    const unordered = (await d1Calls()) - before;
    before = await d1Calls();
    await deliver([steps("oa-cost")[0]]);
    // Ordered: at most 3 more (its applied-sequence read, before the handler's; the release query).
    expect((await d1Calls()) - before).toBeLessThanOrEqual(unordered + 3);
  });
});

const step = (ledger: string, sequence: number) =>
  catalog.create("LedgerStepped", {
    aggregateType: "ledger",
    aggregateId: ledger,
    correlationId: ledger,
    causationId: "test",
    sequence,
    payload: { tallyId: ledger, by: sequence },
  });
const steps = (ledger: string) =>
  [step(ledger, 1), step(ledger, 2), step(ledger, 3), step(ledger, 4)] as const;

const heldOf = (ledger: string) =>
  count("SELECT COUNT(*) AS n FROM ordered_held WHERE aggregate_id = ?", ledger);
const appliedOf = (ledger: string) =>
  count("SELECT sequence AS n FROM ordered_applied WHERE aggregate_id = ?", ledger);
const gapLetters = async (ledger: string) =>
  (
    await env.DB.prepare(
      `SELECT id, body, reason, event_id AS eventId FROM dead_letters
       WHERE queue = 'ordered' AND reason LIKE ? ORDER BY event_id`,
    )
      .bind(`%ledger ${ledger} %`)
      .all<{ id: string; body: string; reason: string; eventId: string }>()
  ).results;
const ELEVEN_MINUTES = 11 * 60_000;

describe("ordered apply: an ordered handler", () => {
  it("applies 3, 1, 4, 2 and a copy of 1, in one batch, as 1, 2, 3, 4", async () => {
    const [e1, e2, e3, e4] = steps("oa-one-batch");
    const result = await deliver([e3, e1, e4, e2, e1]);
    expect(result.explicitAcks).toHaveLength(5);
    // value * 10 + sequence, in sequence: any other order gives another number.
    expect(await tallyValue("oa-one-batch")).toBe(1234);
    expect(await appliedOf("oa-one-batch")).toBe(4);
    expect(await heldOf("oa-one-batch")).toBe(0);
  });

  it("applies them as 1, 2, 3, 4 when each comes in a batch of its own, copies included", async () => {
    const [e1, e2, e3, e4] = steps("oa-batches");
    for (const event of [e3, e1, e4, e1, e3, e2, e4]) await deliver([event]);
    expect(await tallyValue("oa-batches")).toBe(1234);
    expect(await heldOf("oa-batches")).toBe(0);
  });

  it("keeps the sequence when the next two come in concurrent batches", async () => {
    const [e1, e2, e3, e4] = steps("oa-race");
    await deliver([e1]);
    await Promise.all([deliver([e3]), deliver([e2]), deliver([e4])]);
    expect(await tallyValue("oa-race")).toBe(1234);
    expect(await heldOf("oa-race")).toBe(0);
  });

  it("refuses at commit a hold or an apply decided on a read another commit made stale", async () => {
    // The handler's state changes only through the consumer's commit (nothing of its own here).
    const decide = ordered(() => ({}));
    const [e1, e2, e3] = steps("oa-stale");
    await deliver([e1]);
    const hold = (await decide(e3, { db, env })) as Decision;
    const apply = (await decide(e2, { db, env })) as Decision;
    await deliver([e2]);
    // The consumer decides these again on a fresh read (conflict-retry.ts): 3 then applies.
    await expect(runBatch(db, hold.statements ?? [])).rejects.toThrow(/ordered_held_gap_open/);
    await expect(runBatch(db, apply.statements ?? [])).rejects.toThrow(/ordered_applied_follows/);
  });

  it("holds 3 and 4 while 2 is missing, and releases them in order when 2 comes before the wait", async () => {
    const [e1, e2, e3, e4] = steps("oa-late");
    await deliver([e1, e3, e4]);
    expect(await tallyValue("oa-late")).toBe(1);
    expect(await heldOf("oa-late")).toBe(2);
    // Within the wait, the sweep leaves them held.
    await sweepOrderedGaps(env.DB);
    expect(await heldOf("oa-late")).toBe(2);
    await deliver([e2]);
    expect(await tallyValue("oa-late")).toBe(1234);
    expect(await heldOf("oa-late")).toBe(0);
    expect(await sweepOrderedGaps(env.DB, Date.now() + ELEVEN_MINUTES)).toBe(0);
    expect(await gapLetters("oa-late")).toEqual([]);
  });

  it("dead-letters what it held once 2 never came within the wait, naming the gap; replay applies them in order", async () => {
    const [e1, , e3, e4] = steps("oa-lost");
    await deliver([e1, e4, e3]);
    expect(await heldOf("oa-lost")).toBe(2);
    expect(await sweepOrderedGaps(env.DB, Date.now() + ELEVEN_MINUTES)).toBe(2);
    const letters = await gapLetters("oa-lost");
    expect(letters.map((l) => l.eventId)).toEqual([e3.id, e4.id]);
    for (const letter of letters)
      expect(letter.reason).toMatch(
        /^GAP: ledger oa-lost from tester: sequence 2 never arrived; held 3\.\.4 since \d{4}-/,
      );
    expect(await heldOf("oa-lost")).toBe(0);
    expect(await tallyValue("oa-lost")).toBe(1);
    // Replayed in sequence order, after what the ledger had: sequence 2 is given up.
    const replayer = inboxReplayer("tester");
    if (!replayer) throw new Error("the test worker registers its consumer");
    for (const letter of letters)
      expect(await replayDeadLetter(env.DB, letter, env, replayer)).toEqual({
        resolved: true,
        outcome: "applied",
      });
    expect(await tallyValue("oa-lost")).toBe(134);
    expect(await appliedOf("oa-lost")).toBe(4);
    // Sequence 2, arriving after it was given up, is a copy of the past: dropped.
    expect((await deliver([steps("oa-lost")[1]])).explicitAcks).toHaveLength(1);
    expect(await tallyValue("oa-lost")).toBe(134);
  });
});
