/**
 * The rounds of a batch: round n holds the n-th message of every lane, so messages of one
 * lane (one saga, or one `serializeBy` key) are applied one after another in delivery order
 * while different lanes share a round.
 * @example roundsByLane(["a1", "b1", "a2"], (m) => m[0]) // [["a1", "b1"], ["a2"]]
 */
export function roundsByLane<T>(items: readonly T[], laneOf: (item: T) => string): T[][] {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = laneOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  const rounds: T[][] = [];
  for (const lane of lanes.values())
    for (const [n, item] of lane.entries()) {
      const round = rounds[n];
      if (round) round.push(item);
      else rounds[n] = [item];
    }
  return rounds;
}

/**
 * Runs `work` for every item, at most `concurrency` at a time. The first throw stops the
 * rest from starting (as a crash would) and is rethrown once the running ones settled.
 */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  const queue = [...items];
  let crash: { error: unknown } | undefined;
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined && !crash; item = queue.shift()) {
      try {
        await work(item);
      } catch (error) {
        crash ??= { error };
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker),
  );
  if (crash) throw crash.error;
}
