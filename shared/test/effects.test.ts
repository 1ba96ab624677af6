import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { deadLetters, outbox } from "../src/db/kit-schema";
import { runBatch } from "../src/db/types";
import {
  EFFECT_MAX_ATTEMPTS,
  EFFECTS_DEAD_LETTER_QUEUE,
  type EffectPerformer,
  EffectRefused,
  effectAttempts,
  effectBackoffMs,
  effectInserts,
  effects,
  runDueEffects,
} from "../src/effects/effects";
import { pruneRetention } from "../src/retention/retention";
import { db, increment } from "./helpers";

/**
 * The other side of the calls: a stand-in for a third party (not for the platform: the
 * effects, their answers and their events are in the real local D1). It dedupes by key, as a
 * card processor does, and can be told to lose its answers.
 */
class ThirdParty {
  readonly calls: { key: string; at: number }[] = [];
  readonly acted = new Map<string, number>();
  loseAnswers = 0;
  async handle(key: string): Promise<{ n: number }> {
    this.calls.push({ key, at: Date.now() });
    if (!this.acted.has(key)) this.acted.set(key, this.acted.size + 1);
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      throw new Error("no answer within the timeout");
    }
    return { n: this.acted.get(key) ?? 0 };
  }
}

let party: ThirdParty;
const performer: EffectPerformer<Env, { tallyId: string }, { n: number }> = {
  perform: (effect) => party.handle(effect.key),
  report: (answer, effect) => ({
    events: [increment(effect.request.tallyId, answer.n, effect.correlationId)],
  }),
};
const run = (now = Date.now()) => runDueEffects({ db, env, performers: { call: performer }, now });

const intent = (key: string, subject = key) => ({
  kind: "call",
  key,
  subject,
  correlationId: subject,
  request: { tallyId: subject },
});

beforeEach(async () => {
  party = new ThirdParty();
  await db.delete(effects);
  await db.delete(effectAttempts);
  await db.delete(deadLetters).where(eq(deadLetters.queue, EFFECTS_DEAD_LETTER_QUEUE));
});

/** The effect's row, its calls as `attempt result` and its dead letter, if any. */
async function endOf(key: string) {
  const row = await db.select().from(effects).where(eq(effects.key, key)).get();
  const calls = await db.select().from(effectAttempts).where(eq(effectAttempts.key, key));
  const letter = await db.select().from(deadLetters).where(eq(deadLetters.messageId, key)).get();
  return { row, calls: calls.map((c) => `${c.attempt} ${c.result}`), letter };
}

describe("effects", () => {
  it("a key decided twice is one effect, made once", async () => {
    await runBatch(db, effectInserts(db, [intent("k-twice")]));
    await runBatch(db, effectInserts(db, [intent("k-twice")]));
    expect(await db.select().from(effects).all()).toHaveLength(1);
    expect((await run()).made).toBe(1);
    expect((await run()).made).toBe(0);
    expect(party.calls.map((c) => c.key)).toEqual(["k-twice"]);
  });

  it("the answer and the events reporting it commit together", async () => {
    await runBatch(db, effectInserts(db, [intent("k-report", "tally-report")]));
    const result = await run();
    expect(result.events.map((e) => e.type)).toEqual(["TallyIncremented"]);
    const row = await db.select().from(effects).where(eq(effects.key, "k-report")).get();
    expect(row).toMatchObject({ status: "DONE", outcome: JSON.stringify({ n: 1 }), attempts: 1 });
    const events = await db.select().from(outbox).where(eq(outbox.correlationId, "tally-report"));
    expect(events).toHaveLength(1);
  });

  it("a lost answer is made again later with the same key: the other side acts once", async () => {
    await runBatch(db, effectInserts(db, [intent("k-lost")]));
    party.loseAnswers = 1;
    const first = await run();
    expect(first).toMatchObject({ made: 0, retried: 1 });
    const waiting = await db.select().from(effects).where(eq(effects.key, "k-lost")).get();
    expect(waiting).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(waiting?.lastError).toMatch(/no answer/);
    // Not before its backoff.
    expect((await run()).made).toBe(0);
    const later = Date.now() + effectBackoffMs(1) + 10;
    expect(first.nextDueAt).toBeLessThanOrEqual(later);
    expect((await run(later)).made).toBe(1);
    expect(party.calls.map((c) => c.key)).toEqual(["k-lost", "k-lost"]);
    expect(party.acted.size).toBe(1);
    const calls = await db.select().from(effectAttempts).where(eq(effectAttempts.key, "k-lost"));
    expect(calls.map((c) => [c.attempt, c.result])).toEqual([
      [1, "retry"],
      [2, "done"],
    ]);
  });

  it("a subject's effects are made in the order decided; other subjects' do not wait", async () => {
    await runBatch(
      db,
      effectInserts(db, [intent("a-1", "a"), intent("a-2", "a"), intent("b-1", "b")]),
    );
    party.loseAnswers = 1; // a-1's answer (the first call) is lost
    await run();
    expect(party.calls.map((c) => c.key).sort()).toEqual(["a-1", "b-1"]);
    await run(Date.now() + 60_000);
    await run(Date.now() + 60_000);
    expect(party.calls.map((c) => c.key).filter((k) => k.startsWith("a"))).toEqual([
      "a-1",
      "a-1",
      "a-2",
    ]);
  });

  it("a report the database refuses holds back only its own effect, made again later", async () => {
    const refusing: EffectPerformer<Env, { tallyId: string }, { n: number }> = {
      perform: (effect) => party.handle(effect.key),
      // An event too large for a queue message is refused at write time.
      report: (_answer, effect) =>
        effect.key === "k-refused"
          ? { events: [{ ...increment("x"), payload: { tallyId: "x".repeat(130_000), by: 1 } }] }
          : { events: [increment(effect.request.tallyId)] },
    };
    await runBatch(db, effectInserts(db, [intent("k-refused"), intent("k-fine")]));
    const result = await runDueEffects({ db, env, performers: { call: refusing } });
    expect(result).toMatchObject({ made: 1, retried: 1 });
    const rows = await db.select().from(effects).all();
    expect(Object.fromEntries(rows.map((r) => [r.key, r.status]))).toEqual({
      "k-refused": "PENDING",
      "k-fine": "DONE",
    });
    expect(rows.find((r) => r.key === "k-refused")?.lastError).toMatch(/bytes/);
  });

  it("retention deletes answered effects and their calls, never a pending one", async () => {
    await runBatch(db, effectInserts(db, [intent("k-old"), intent("k-waiting")]));
    party.loseAnswers = 0;
    await runDueEffects({
      db,
      env,
      performers: {
        call: {
          ...performer,
          perform: (effect) =>
            effect.key === "k-waiting"
              ? Promise.reject(new Error("down"))
              : party.handle(effect.key),
        },
      },
    });
    const later = Date.now() + 8 * 86_400_000;
    await pruneRetention(env.DB, { now: later, effects: true });
    expect((await db.select().from(effects).all()).map((e) => e.key)).toEqual(["k-waiting"]);
    expect((await db.select().from(effectAttempts).all()).map((a) => a.key)).toEqual(["k-waiting"]);
  });

  it("a definite refusal is a dead letter with the answer at once, and the subject's next effect runs", async () => {
    await runBatch(db, effectInserts(db, [intent("s-refused", "s"), intent("s-next", "s")]));
    const refusing: EffectPerformer<Env, { tallyId: string }, { n: number }> = {
      ...performer,
      perform: async (effect) => {
        if (effect.key !== "s-refused") return party.handle(effect.key);
        party.calls.push({ key: effect.key, at: Date.now() });
        throw new EffectRefused("400 charge_already_refunded", { code: "charge_already_refunded" });
      },
    };
    const first = await runDueEffects({ db, env, performers: { call: refusing } });
    expect(first).toMatchObject({ made: 0, retried: 0, failed: 1 });
    // Due now, not after a backoff: nothing waits behind a refusal.
    expect((await runDueEffects({ db, env, performers: { call: refusing } })).made).toBe(1);
    await runDueEffects({ db, env, performers: { call: refusing }, now: Date.now() + 3_600_000 });
    expect(party.calls.map((c) => c.key)).toEqual(["s-refused", "s-next"]);

    const { row, calls, letter } = await endOf("s-refused");
    expect(row).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(calls).toEqual(["1 refused"]);
    expect(letter).toMatchObject({
      queue: EFFECTS_DEAD_LETTER_QUEUE,
      eventType: "effect:call",
      attempts: 1,
      resolvedAt: null,
    });
    expect(letter?.reason).toMatch(/refused: 400 charge_already_refunded/);
    expect(JSON.parse(letter?.body ?? "{}")).toMatchObject({
      key: "s-refused",
      subject: "s",
      answer: { code: "charge_already_refunded" },
    });
    expect((await endOf("s-next")).row?.status).toBe("DONE");
  });

  it(`a call without an answer is made ${EFFECT_MAX_ATTEMPTS} times at most, then it is a dead letter and its calls stop`, async () => {
    await runBatch(db, effectInserts(db, [intent("k-down", "d"), intent("k-after", "d")]));
    const down = {
      ...performer,
      perform: (effect: { key: string }) =>
        effect.key === "k-down"
          ? Promise.reject(new Error("answered 503"))
          : party.handle(effect.key),
    };
    let at = Date.now();
    for (let i = 0; i < EFFECT_MAX_ATTEMPTS + 3; i++) {
      at += 3_600_000;
      await runDueEffects({ db, env, performers: { call: down }, now: at });
    }
    const { row, calls, letter } = await endOf("k-down");
    expect(row).toMatchObject({ status: "FAILED", attempts: EFFECT_MAX_ATTEMPTS });
    expect(calls).toHaveLength(EFFECT_MAX_ATTEMPTS);
    expect(calls.at(-2)).toBe(`${EFFECT_MAX_ATTEMPTS - 1} retry`);
    expect(calls.at(-1)).toBe(`${EFFECT_MAX_ATTEMPTS} exhausted`);
    expect(letter?.reason).toMatch(
      new RegExp(`no answer after ${EFFECT_MAX_ATTEMPTS} attempts: answered 503`),
    );
    expect((await endOf("k-after")).row?.status).toBe("DONE");
  });
});
