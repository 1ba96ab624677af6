import { and, asc, eq, lte, min, sql } from "drizzle-orm";
import { runsWithin } from "../db/runs-within";
import { type AnyD1Database, errorText, runBatch, type Statement } from "../db/types";
import { deadLetterInsert } from "../dead-letters/dead-letters";
import type { Envelope } from "../envelope";
import type { Decision } from "../inbox/inbox-consumer";
import { inParallel } from "../inbox/lanes";
import type { Logger } from "../log/logger";
import { outboxInserts } from "../outbox/outbox-writer";
import { delayMs, RETRY_POLICIES } from "../retry/retry-policies";
import { requestAndTrace, storedRequest } from "../trace/effect-trace";
import { type TraceAttributes, traceOf } from "../trace/trace-context";
import { EFFECTS_DEAD_LETTER_QUEUE, EffectRefused, missedCallResult } from "./effect-end";
import { effectAttempts, effects } from "./effects-schema";

export * from "./effect-end";
export { EFFECT_CALL_RESULTS, EFFECT_STATUSES, effectAttempts, effects } from "./effects-schema";

/**
 * Exactly-once effects outside the database, the way the inbox makes handlers exactly-once
 * inside it:
 * 1. A handler decides an effect and returns it (`Decision.effects`): recorded with its
 *    idempotency key in the same batch as the decision, so it is neither lost nor made twice.
 * 2. The service's relay makes it (`runDueEffects`), always with that key: a call whose answer
 *    was lost (a timeout after the other side committed) is made again with the same key and
 *    gets the first answer back, so the other side acts once.
 * 3. The answer (the outcome) is recorded in the batch that commits what it causes, the events
 *    that report it included: an event never reports an effect whose outcome is not stored.
 * A subject's effects are made one after another in the order they were decided (authorize
 * before capture before refund).
 * 4. It ends: a definite refusal (`EffectRefused`), or no answer after `EFFECT_MAX_ATTEMPTS`
 *    calls, makes it FAILED and a dead letter for an operator, in one batch; the subject's
 *    next effect runs after it.
 */
export interface EffectIntent {
  /** Which performer makes it (a key of the service's `effects`). */
  kind: string;
  /** The idempotency key: derived from the subject and the operation, never random. */
  key: string;
  subject: string;
  correlationId: string;
  request: unknown;
  /** The span that decided it (set by the consumer): its outcome's events continue that trace. */
  traceparent?: string;
}

/** One recorded effect, as the runner hands it to its performer. */
export interface Effect<Request = unknown> {
  key: string;
  kind: string;
  subject: string;
  correlationId: string;
  request: Request;
  /** This call's number, from 1. */
  attempt: number;
  /** The trace the effect was decided in (effect-trace.ts). */
  trace?: TraceAttributes;
}

export interface EffectContext<Env> {
  env: Env;
  db: AnyD1Database;
  now: number;
}

/**
 * How one kind of effect is made and reported. `perform` makes the call with `effect.key`
 * and returns the answer the service reports (a card decline included); it throws when there
 * is no answer (timeout, 5xx, network), and the effect is made again later with the same key,
 * or throws `EffectRefused` when the answer is a refusal that calling again cannot change.
 * `report` turns the answer into the writes and events it causes, committed with the outcome.
 */
export interface EffectPerformer<Env, Request = unknown, Outcome = unknown> {
  perform(effect: Effect<Request>, context: EffectContext<Env>): Promise<Outcome>;
  report(
    outcome: Outcome,
    effect: Effect<Request>,
    context: EffectContext<Env>,
  ): Promise<Decision> | Decision;
}

// biome-ignore lint/suspicious/noExplicitAny: each performer narrows its own request and outcome
export type EffectPerformers<Env> = Record<string, EffectPerformer<Env, any, any>>;

/** Next attempt after `attempts` calls without an answer (`RETRY_POLICIES.effect`). */
export function effectBackoffMs(attempts: number): number {
  return delayMs(RETRY_POLICIES.effect, attempts);
}

/** Effect rows to commit with the decision that made them; a key already recorded is the same effect. */
export function effectInserts(
  db: AnyD1Database,
  intents: readonly EffectIntent[],
  now = Date.now(),
): Statement[] {
  const rows = intents.map((intent) => ({
    key: intent.key,
    kind: intent.kind,
    subject: intent.subject,
    correlationId: intent.correlationId,
    request: JSON.stringify(storedRequest(intent.request, intent.traceparent)),
    status: "PENDING" as const,
    nextAttemptAt: now,
    createdAt: now,
  }));
  // 8 parameters a row, under D1's 100 per statement.
  return runsWithin(rows, 12).map((run) =>
    db.insert(effects).values(run).onConflictDoNothing({ target: effects.key }),
  );
}

/** A pending effect with no earlier pending effect of its subject: the next one to make. */
const isHead = sql`${effects.status} = 'PENDING' AND NOT EXISTS (SELECT 1 FROM effects AS earlier WHERE earlier.subject = ${effects.subject} AND earlier.status = 'PENDING' AND earlier.seq < ${effects.seq})`;

export interface EffectsRun {
  made: number;
  retried: number;
  /** Refused, or out of attempts: dead letters now. */
  failed: number;
  /** Events the reports committed: the relay sends them in the same run. */
  events: Envelope[];
  /** When the next pending effect falls due, or null with none pending. */
  nextDueAt: number | null;
}

type Settled = { effect: Effect; ms: number; startedAt: number } & (
  | { decision: Decision; outcome: unknown }
  | { error: string; refused?: { answer: unknown } }
);

export interface RunEffectsOptions<Env> {
  db: AnyD1Database;
  env: Env;
  performers: EffectPerformers<Env>;
  now?: number;
  /** Effects made in one run, at most. */
  limit?: number;
  /** Calls in flight at once. */
  concurrency?: number;
  log?: Logger;
}

/**
 * Makes the effects that are due, each with its key, and records what came of them. Only one
 * runner may run per database at a time (the service's relay, whose alarm runs are serial):
 * it is what keeps a subject's effects in order and a call from being made twice at once.
 */
export async function runDueEffects<Env>(options: RunEffectsOptions<Env>): Promise<EffectsRun> {
  const { db, env, performers, log } = options;
  const now = options.now ?? Date.now();
  const due = await db
    .select()
    .from(effects)
    .where(and(isHead, lte(effects.nextAttemptAt, now)))
    .orderBy(asc(effects.nextAttemptAt), asc(effects.seq))
    .limit(options.limit ?? 50)
    .all();

  const settled: Settled[] = [];
  await inParallel(due, options.concurrency ?? 8, async (row) => {
    const effect: Effect = {
      key: row.key,
      kind: row.kind,
      subject: row.subject,
      correlationId: row.correlationId,
      ...requestAndTrace(JSON.parse(row.request)),
      attempt: row.attempts + 1,
    };
    const startedAt = Date.now();
    const context = { env, db, now: startedAt };
    try {
      const performer = performers[row.kind];
      if (!performer) throw new Error(`no performer for effect kind ${row.kind}`);
      const outcome = await performer.perform(effect, context);
      const decision = await performer.report(outcome, effect, context);
      settled.push({ effect, ms: Date.now() - startedAt, startedAt, decision, outcome });
    } catch (error) {
      const ms = Date.now() - startedAt;
      const refused = error instanceof EffectRefused ? { answer: error.answer } : undefined;
      settled.push({ effect, ms, startedAt, error: errorText(error), refused });
    }
  });

  const committed: Settled[] = [];
  const commitAll = async (part: Settled[]) => {
    await runBatch(
      db,
      part.flatMap((s) => recordStatements(db, s)),
    );
    committed.push(...part);
  };
  try {
    await commitAll(settled);
  } catch {
    // One report the database refused must not hold back the others: each on its own, and a
    // refused one is made again later (its key gets the same answer back).
    for (const one of settled)
      try {
        await commitAll([one]);
      } catch (error) {
        const missed = {
          ...one,
          error: `report not recorded: ${errorText(error)}`,
          refused: undefined,
        };
        await commitAll([missed]).catch(() => undefined);
      }
  }
  let failed = 0;
  for (const s of committed) {
    if (!("error" in s)) continue;
    const { key, kind, attempt, trace } = s.effect;
    // The call's span (effect-trace.ts): the line is found by its saga's trace id.
    const fields = { key, kind, attempt, traceparent: trace?.traceparent };
    if (missedCallResult(s.effect.attempt, !!s.refused) === "retry")
      log?.warn("effect not made; made again later with the same key", {
        ...fields,
        error: s.error,
      });
    else {
      failed++;
      log?.error("effect failed for good: a dead letter for an operator", {
        ...fields,
        error: s.error,
      });
    }
  }

  const next = await db
    .select({ at: min(effects.nextAttemptAt) })
    .from(effects)
    .where(isHead)
    .get();
  const made = committed.filter((s) => !("error" in s));
  return {
    made: made.length,
    retried: committed.length - made.length - failed,
    failed,
    events: made.flatMap((s) => ("decision" in s ? (s.decision.events ?? []) : [])),
    nextDueAt: next?.at ?? null,
  };
}

/** The outcome (or the missed attempt) with everything the report decided, as one batch's part. */
function recordStatements(db: AnyD1Database, settled: Settled): Statement[] {
  const { effect, ms, startedAt } = settled;
  const result =
    "error" in settled ? missedCallResult(effect.attempt, !!settled.refused) : ("done" as const);
  const attempt = db.insert(effectAttempts).values({
    key: effect.key,
    attempt: effect.attempt,
    startedAt,
    ms,
    result,
    detail:
      "error" in settled
        ? settled.error.slice(0, 500)
        : JSON.stringify(settled.outcome).slice(0, 500),
  });
  const pending = and(eq(effects.key, effect.key), eq(effects.status, "PENDING"));
  if ("error" in settled && result !== "retry") {
    const done = Date.now();
    const reason =
      result === "refused"
        ? `refused: ${settled.error}`
        : `no answer after ${effect.attempt} attempts: ${settled.error}`;
    return [
      // FAILED with its dead letter, at once: the subject's next effect is due now.
      db
        .update(effects)
        .set({
          status: "FAILED",
          attempts: effect.attempt,
          lastError: reason.slice(0, 500),
          doneAt: done,
        })
        .where(pending),
      attempt,
      deadLetterInsert(
        db,
        {
          queue: EFFECTS_DEAD_LETTER_QUEUE,
          messageId: effect.key,
          eventType: `effect:${effect.kind}`,
          reason,
          attempts: effect.attempt,
          body: { ...effect, answer: settled.refused?.answer ?? null },
        },
        done,
      ),
    ];
  }
  if ("error" in settled)
    return [
      db
        .update(effects)
        .set({
          attempts: effect.attempt,
          lastError: settled.error.slice(0, 500),
          nextAttemptAt: startedAt + ms + effectBackoffMs(effect.attempt),
        })
        .where(pending),
      attempt,
    ];
  const { decision, outcome } = settled;
  const done = Date.now();
  return [
    // The outcome first: the events below report it.
    db
      .update(effects)
      .set({
        status: "DONE",
        outcome: JSON.stringify(outcome ?? null),
        attempts: effect.attempt,
        lastError: null,
        doneAt: done,
      })
      .where(pending),
    attempt,
    ...(decision.statements ?? []),
    ...outboxInserts(db, decision.events ?? [], done, undefined, traceOf(effect.trace)),
    ...effectInserts(
      db,
      (decision.effects ?? []).map((e) => ({
        ...e,
        traceparent: e.traceparent ?? effect.trace?.traceparent,
      })),
      done,
    ),
  ];
}
