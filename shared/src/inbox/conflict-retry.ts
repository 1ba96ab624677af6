import { retryOnConflict } from "../db/retry-on-conflict";
import { type AnyD1Database, isConstraintError, runBatch } from "../db/types";
import type { Envelope } from "../envelope";
import { RETRY_POLICIES } from "../retry/retry-policies";
import { type Applied, type Decision, type EventHandler, emittedBy } from "./consumer-types";
import { alreadyProcessed, commitStatements, isInboxDuplicate } from "./dedupe";

/**
 * Conflict retry, the rule: an event applied on its own tries its handler's alternatives in
 * order; one refused by a constraint falls through to the next, and when every one is refused
 * (another event changed the rows it read) it is read and decided again, up to
 * `RETRY_POLICIES.conflict.maxAttempts` rounds. Anything else thrown is the handler failing:
 * the caller retries or dead-letters the message (dead-letter.ts).
 * @example await applyAlone({ db, env, handler, event, attempts: message.attempts })
 */
export async function applyAlone<Env>({
  db,
  env,
  handler,
  event,
  attempts,
  decided,
}: {
  db: AnyD1Database;
  env: Env;
  handler: EventHandler<Env>;
  event: Envelope;
  attempts: number;
  /** The round's answer of the handler (on the round's reads), used for the first try. */
  decided?: { db: AnyD1Database; alternatives: Decision[] };
}): Promise<Applied> {
  return retryOnConflict({
    attempts: RETRY_POLICIES.conflict.maxAttempts,
    attempt: async (round) => {
      const first = round === 1 ? decided : undefined;
      if (!first && (await alreadyProcessed(db, event.id)))
        return { outcome: "duplicate", events: [] };
      const on = first?.db ?? db;
      const result = first?.alternatives ?? (await handler(event, { db, env }));
      const alternatives = Array.isArray(result) ? result : [result];
      if (alternatives.length === 0) throw new Error("handler returned no decision");
      let refusal: unknown;
      for (const decision of alternatives) {
        try {
          await runBatch(on, commitStatements(on, [{ event, attempts, decision }]));
          return { outcome: "applied", ...emittedBy(decision) };
        } catch (error) {
          // Another delivery of this event won the race: the batch rolled back, nothing applied twice.
          if (isInboxDuplicate(error)) return { outcome: "duplicate", events: [] };
          if (!isConstraintError(error)) throw error;
          refusal = error;
        }
      }
      // Every alternative hit a constraint: a conflict, decided again on fresh reads.
      throw refusal;
    },
  });
}
