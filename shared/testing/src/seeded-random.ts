import fc from "fast-check";

/**
 * A seeded stream of numbers in [0, 1), so a seed replays the same workload or shuffle. Drawn
 * from fast-check's own seeded generator (`fc.sample` on an unbiased infinite stream of 32-bit
 * integers): the same library the property tests use, not a hand-written PRNG.
 * @example const random = seededRandom(20261216); const coin = random() < 0.5;
 */
export function seededRandom(seed: number): () => number {
  const arbitrary = fc.infiniteStream(fc.noBias(fc.integer({ min: 0, max: 0xffff_ffff })));
  const [stream] = fc.sample(arbitrary, { seed, numRuns: 1 });
  if (!stream) throw new Error("fast-check sampled no stream");
  const draws = stream[Symbol.iterator]();
  return () => (draws.next().value as number) / 4_294_967_296;
}

/** An integer in [min, max] drawn from `random`. */
export const between = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));
