import { runsWithin } from "../db/runs-within";
import { type AnyD1Database, runBatch, type Statement } from "../db/types";
import type { Decided, Decision, Delivery } from "./consumer-types";
import { commitStatements } from "./dedupe";

/**
 * Group commit: the decisions of a round go to D1 in as few batches as the statement limit
 * allows, instead of one per message. A group the database refuses (one decision hit a
 * constraint) is split in halves until the refused ones stand alone; those are applied on
 * their own (conflict-retry.ts), the rest stay committed.
 */

/** What a round's handlers answered, sorted: one decision goes in the group; the rest alone. */
export interface SortedRound {
  group: Decided[];
  /** Handlers that threw (decided again alone) or answered alternatives (tried in order alone). */
  alone: { delivery: Delivery; alternatives?: Decision[] }[];
}

/** Sorts a round by its handlers' answers (`settled[i]` is `deliveries[i]`'s). */
export function sortRound(
  deliveries: readonly Delivery[],
  settled: readonly (PromiseSettledResult<Decision | Decision[]> | undefined)[],
): SortedRound {
  const sorted: SortedRound = { group: [], alone: [] };
  for (const [i, delivery] of deliveries.entries()) {
    const answer = settled[i];
    if (answer?.status !== "fulfilled") sorted.alone.push({ delivery });
    else {
      const alternatives = Array.isArray(answer.value) ? answer.value : [answer.value];
      const [decision] = alternatives;
      if (alternatives.length !== 1 || !decision) sorted.alone.push({ delivery, alternatives });
      else sorted.group.push({ ...delivery, decision });
    }
  }
  return sorted;
}

/** At most: a decision's own writes, one outbox row per event and its inbox row, a statement each. */
export function statementsOf({ decision }: { decision: Decision }): number {
  return (
    (decision.statements?.length ?? 0) +
    (decision.events?.length ?? 0) +
    (decision.effects?.length ?? 0) +
    1
  );
}

/**
 * Commits `group` in parts of at most `maxStatements`, calling `committed` for each decision
 * as its part commits. `riders`: statements of the batch that must commit some time (its
 * receipts' outbox updates) and ride in the first part when it has room, saving the batch a
 * call of their own. Returns the decisions refused alone, and whether the riders committed.
 */
export async function groupCommit(
  db: AnyD1Database,
  group: readonly Decided[],
  maxStatements: number,
  committed: (decided: Decided) => Promise<void>,
  riders: readonly Statement[] = [],
): Promise<{ refused: Decided[]; ridersCommitted: boolean }> {
  const refused: Decided[] = [];
  let waiting = riders.length > 0 ? riders : undefined;
  for (const part of runsWithin(group, group.length, maxStatements, statementsOf)) {
    const room = maxStatements - part.reduce((n, decided) => n + statementsOf(decided), 0);
    const ride = waiting && waiting.length <= room ? waiting : [];
    const failed = await commitOrSplit(db, part, ride);
    // A refused part rolled its riders back with it; they go in the batch's bookkeeping.
    if (ride.length > 0) waiting = failed.length === 0 ? undefined : [];
    const failedIds = new Set(failed.map((d) => d.event.id));
    for (const decided of part) if (!failedIds.has(decided.event.id)) await committed(decided);
    refused.push(...failed);
  }
  return { refused, ridersCommitted: riders.length > 0 && waiting === undefined };
}

/** Commits `group` at once; a failing group is split in halves. Returns what failed alone. */
async function commitOrSplit(
  db: AnyD1Database,
  group: Decided[],
  riders: readonly Statement[] = [],
): Promise<Decided[]> {
  if (group.length === 0) return [];
  try {
    await runBatch(db, [
      ...commitStatements(
        db,
        group.map(({ event, message, decision }) => ({
          event,
          attempts: message.attempts,
          decision,
        })),
      ),
      ...riders,
    ]);
    return [];
  } catch {
    if (group.length === 1) return group;
    const half = Math.ceil(group.length / 2);
    return [
      ...(await commitOrSplit(db, group.slice(0, half))),
      ...(await commitOrSplit(db, group.slice(half))),
    ];
  }
}
