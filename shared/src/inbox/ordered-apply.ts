/**
 * Ordered apply, the rule. An ordered handler applies an aggregate's events in the sequence
 * its producer numbered them (1, 2, 3... without gaps, per source + aggregate type + id):
 * the next one applies now, one at or below what was applied is a copy, and one further on
 * is held until the gap fills or its bounded wait passes (then it becomes a dead letter that
 * names the gap). Pure: ordered-handler.ts reads and writes the state.
 */

/** One aggregate's events, as its producer numbers them. */
export interface AggregateKey {
  source: string;
  aggregateType: string;
  aggregateId: string;
}

export type OrderedVerdict =
  | { action: "apply" }
  | { action: "duplicate" }
  | { action: "hold"; missing: { from: number; to: number } };

/** How long a held event waits for its gap by default: ten minutes. */
export const DEFAULT_ORDERED_WAIT_MS = 10 * 60_000;

/**
 * What to do with the event numbered `sequence` when `applied` is the last one applied (0:
 * none yet). Throws for a sequence below 1: its producer does not number the aggregate.
 * @example orderedVerdict(2, 4) // { action: "hold", missing: { from: 3, to: 3 } }
 */
export function orderedVerdict(applied: number, sequence: number): OrderedVerdict {
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new Error(`an ordered handler needs sequences from 1, got ${sequence}`);
  if (sequence <= applied) return { action: "duplicate" };
  if (sequence === applied + 1) return { action: "apply" };
  return { action: "hold", missing: { from: applied + 1, to: sequence - 1 } };
}

/** The sequences missing between `applied` and the held ones, as ranges ("3", "5..6"). */
export function missingRanges(applied: number, held: readonly number[]): string[] {
  const ranges: string[] = [];
  let next = applied + 1;
  for (const sequence of [...held].sort((a, b) => a - b)) {
    if (sequence > next) ranges.push(span(next, sequence - 1));
    next = Math.max(next, sequence + 1);
  }
  return ranges;
}

const span = (from: number, to: number) => (from === to ? `${from}` : `${from}..${to}`);

/**
 * The reason of the dead letters a gap that never filled ends in: which aggregate, which
 * sequences never arrived, which were held and since when.
 * @example gapReason(key, 2, [4, 5, 6], t) // "GAP: order o1 from order: sequence 3 never arrived; held 4..6 since ..."
 */
export function gapReason(
  key: AggregateKey,
  applied: number,
  held: readonly number[],
  heldSince: number,
): string {
  const sorted = [...held].sort((a, b) => a - b);
  const missing = missingRanges(applied, sorted);
  const what = `${key.aggregateType} ${key.aggregateId} from ${key.source}`;
  const heldText = `held ${heldRanges(sorted).join(", ")} since ${new Date(heldSince).toISOString()}`;
  // No gap: the next event was held but its handler failed when it was released.
  const gap =
    missing.length === 0
      ? `sequence ${applied + 1} could not be applied when released`
      : `sequence${missing.length > 1 || missing[0]?.includes("..") ? "s" : ""} ${missing.join(", ")} never arrived`;
  return `GAP: ${what}: ${gap}; ${heldText}; replay these dead letters in sequence order`;
}

/** `[4, 5, 6, 9]` -> `["4..6", "9"]`. */
function heldRanges(sorted: readonly number[]): string[] {
  const ranges: string[] = [];
  let start = sorted[0];
  let end = start;
  for (const sequence of sorted.slice(1)) {
    if (end !== undefined && sequence === end + 1) end = sequence;
    else {
      if (start !== undefined && end !== undefined) ranges.push(span(start, end));
      start = sequence;
      end = sequence;
    }
  }
  if (start !== undefined && end !== undefined) ranges.push(span(start, end));
  return ranges;
}
