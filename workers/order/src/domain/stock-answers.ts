import { decideReply, type SagaEvent, type SagaReply, type SagaState } from "./saga";

/**
 * Stock for an order whose SKUs live on several inventory shards: each shard reserves its own
 * lines and answers for them (StockReserved / StockReservationFailed with `shard` and `shards`).
 * The order's stock counts as reserved only once every shard in `shards` said StockReserved; the
 * first StockReservationFailed rejects the order at once (every inventory shard then releases
 * what it holds on OrderRejected). Answers are recorded per shard, so a duplicate changes
 * nothing and any arrival order ends in the same decision. An answer without `shard` covers the
 * whole order and goes straight to the saga rules (saga.ts), as before shards.
 */

export type StockReply = Extract<SagaReply, { type: "StockReserved" | "StockReservationFailed" }>;

/** What one inventory shard said. */
export type ShardStockAnswer = "RESERVED" | Extract<StockReply, { reason: string }>["reason"];

/** The answers so far (kept as rows of stock_answers, one per shard). */
export interface StockAnswers {
  /** Every inventory shard the order's SKUs live on, ascending, as the answers said. */
  shards: number[];
  /** What each shard that answered said, by shard number. */
  answered: Record<string, ShardStockAnswer>;
}

/** One inventory shard's answer for its own lines. */
export interface ShardAnswer {
  shard: number;
  /** Every shard involved, as this answer says (this one among them). */
  shards: readonly number[];
  reply: StockReply;
}

export type CollectResult =
  /** This shard had answered already: nothing changes. */
  | { kind: "duplicate" }
  /** Recorded; `reply` is the order's stock answer once it is known, null while shards are due. */
  | { kind: "recorded"; answers: StockAnswers; reply: StockReply | null };

/** Records `answer` among `answers` and says whether the order's stock is now decided. */
export function collectStockAnswer(
  answers: StockAnswers | null,
  answer: ShardAnswer,
): CollectResult {
  const key = String(answer.shard);
  if (answers && Object.hasOwn(answers.answered, key)) return { kind: "duplicate" };
  // Every shard any answer named: one that lists more than another must not be cut short.
  const shards = [...new Set([...(answers?.shards ?? []), ...answer.shards, answer.shard])].sort(
    (a, b) => a - b,
  );
  const next: StockAnswers = {
    shards,
    answered: { ...answers?.answered, [key]: saidBy(answer).answer },
  };
  const earlierFailure = Object.values(answers?.answered ?? {}).some((a) => a !== "RESERVED");
  // A failure decided the order when it came; nothing after it decides again.
  if (earlierFailure) return { kind: "recorded", answers: next, reply: null };
  if (answer.reply.type === "StockReservationFailed")
    return { kind: "recorded", answers: next, reply: answer.reply };
  const all = shards.every((shard) => next.answered[String(shard)] === "RESERVED");
  return {
    kind: "recorded",
    answers: next,
    reply: all ? { type: "StockReserved" } : null,
  };
}

export type StockAnswerDecision =
  | { kind: "ignore"; why: "ORDER_NOT_PENDING" | "ALREADY_ANSWERED" }
  /** `answers` to store; `state`/`event` as the saga rules decided (unchanged while waiting). */
  | { kind: "change"; state: SagaState; event: SagaEvent | null; answers: StockAnswers };

/**
 * A shard's answer applied to an order: ignored once the order or its stock is decided, or when
 * the shard answered before; otherwise recorded, and handed to the saga rules as the order's
 * stock answer when it settles it.
 */
export function decideStockAnswer(
  state: SagaState,
  answers: StockAnswers | null,
  answer: ShardAnswer,
): StockAnswerDecision {
  if (state.status !== "PENDING") return { kind: "ignore", why: "ORDER_NOT_PENDING" };
  if (state.stockState !== "PENDING") return { kind: "ignore", why: "ALREADY_ANSWERED" };
  const collected = collectStockAnswer(answers, answer);
  if (collected.kind === "duplicate") return { kind: "ignore", why: "ALREADY_ANSWERED" };
  if (!collected.reply) return { kind: "change", state, event: null, answers: collected.answers };
  const decision = decideReply(state, collected.reply);
  if (decision.kind === "ignore") return decision;
  return { ...decision, answers: collected.answers };
}

/** What one shard said, as kept (one row of stock_answers). */
export interface ShardSaid {
  shard: number;
  answer: ShardStockAnswer;
  shards: readonly number[];
}

/** What `answer` records for its shard. */
export function saidBy(answer: ShardAnswer): ShardSaid {
  const said = answer.reply.type === "StockReserved" ? "RESERVED" : answer.reply.reason;
  return { shard: answer.shard, answer: said, shards: answer.shards };
}

/** The answers so far from what each shard said; null when none answered. */
export function answersOf(said: readonly ShardSaid[]): StockAnswers | null {
  if (said.length === 0) return null;
  const shards = [...new Set(said.flatMap((s) => [...s.shards, s.shard]))].sort((a, b) => a - b);
  return { shards, answered: Object.fromEntries(said.map((s) => [String(s.shard), s.answer])) };
}
