/**
 * Splits `items` (in order) into consecutive runs of at most `maxItems` items and at most
 * `maxWeight` in total weight; an item heavier than `maxWeight` stands alone in its run.
 * One rule for every cap the platform sets: messages and bytes per `sendBatch`, bound
 * parameters per statement, statements per commit.
 * @example runsWithin(rows, 100, 250_000, (r) => r.body.length) // sendBatch-sized chunks
 */
export function runsWithin<T>(
  items: readonly T[],
  maxItems: number,
  maxWeight = Number.POSITIVE_INFINITY,
  weightOf: (item: T) => number = () => 0,
): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let weight = 0;
  for (const item of items) {
    const w = weightOf(item);
    if (run.length > 0 && (run.length >= maxItems || weight + w > maxWeight)) {
      runs.push(run);
      run = [];
      weight = 0;
    }
    run.push(item);
    weight += w;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
