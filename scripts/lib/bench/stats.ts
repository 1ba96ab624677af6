import { maxSorted, mean, minSorted, quantileSorted } from "simple-statistics";

/** Summary statistics of one set of samples (milliseconds unless said otherwise). */
export interface Summary {
  samples: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * Empty input gives NaN fields, which JSON writes as null and the table as n/a. Percentiles are
 * simple-statistics' `quantileSorted` (interpolated between neighbours, as R's default type 7).
 */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) {
    return {
      samples: 0,
      p50: Number.NaN,
      p99: Number.NaN,
      mean: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
    };
  }
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: round(quantileSorted(sorted, 0.5)),
    p99: round(quantileSorted(sorted, 0.99)),
    mean: round(mean(sorted)),
    min: round(minSorted(sorted)),
    max: round(maxSorted(sorted)),
  };
}

/** Two decimals: enough for milliseconds measured with `performance.now()`. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** `a / b`, rounded; null when either side is missing. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return null;
  return round(a / b);
}
