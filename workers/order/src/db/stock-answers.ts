import type { AnyD1Database, Statement } from "@edge-saga/shared";
import { eq } from "drizzle-orm";
import type { ShardSaid } from "../domain/stock-answers";
import { stockAnswers } from "./tables";

/** What each inventory shard said so far about `orderId`'s lines (domain/stock-answers.ts). */
export function stockAnswersQuery(db: AnyD1Database, orderId: string) {
  return db
    .select({ shard: stockAnswers.shard, answer: stockAnswers.answer, shards: stockAnswers.shards })
    .from(stockAnswers)
    .where(eq(stockAnswers.orderId, orderId));
}

/** The rows of `stockAnswersQuery`, their `shards` read back. */
export function saidOf(rows: { shard: number; answer: ShardSaid["answer"]; shards: string }[]) {
  return rows.map((row): ShardSaid => ({ ...row, shards: JSON.parse(row.shards) as number[] }));
}

/**
 * Records a shard's answer. Its primary key (order, shard) refuses a second answer from one
 * shard read at the same time as the first (the kit runs the loser again, which then ignores it).
 */
export function stockAnswerInsert(
  db: AnyD1Database,
  orderId: string,
  said: ShardSaid,
  p: { eventId: string; now: number },
): Statement {
  return db.insert(stockAnswers).values({
    orderId,
    shard: said.shard,
    answer: said.answer,
    shards: JSON.stringify(said.shards),
    eventId: p.eventId,
    answeredAt: p.now,
  });
}
