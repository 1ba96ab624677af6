import { slotOf } from "../../../shared/src/shards/shard-routing";
import type { D1Service, D1Window } from "./d1-calls";
import { D1_SERVICES } from "./d1-calls";
import type { Row } from "./report";
import { round } from "./stats";

/**
 * The bench's "shards" section (issue 24): the same closed-loop saga workload on a stack of 1,
 * 2 and 4 shards per service, and what each service's busiest shard does per saga. Everything
 * here is arithmetic on the counts `GET /admin/{service}/bench/d1-calls` returns (`byShard`,
 * `unattributed`): the stacks are driven by scripts/bench.ts.
 */

export const SHARD_COUNTS = [1, 2, 4] as const;
/** Issue 24, done-when 3: order calls per saga on its busiest shard at 4 shards vs at 1. */
export const ORDER_BUSIEST_TARGET = 0.35;
/** Production's D1: about 1 ms per query, one query at a time per database (issue 24). */
export const MS_PER_QUERY = 1;

/**
 * `count` keys `${prefix}-<i>` spread evenly over the shards of every N dividing `spreadOver`:
 * the first keys of each slot residue mod `spreadOver`, taken in turn, so key `k` lives on
 * shard `k % N`. A shop's many customers and SKUs spread so by their number; the bench's few
 * dozen would not, and the busiest shard would measure the draw of names, not the design.
 */
export function spreadKeys(prefix: string, count: number, spreadOver = 4): string[] {
  const byResidue: string[][] = Array.from({ length: spreadOver }, () => []);
  const wanted = Math.ceil(count / spreadOver);
  for (let i = 0; byResidue.some((keys) => keys.length < wanted); i++) {
    const key = `${prefix}-${i}`;
    const keys = byResidue[slotOf(key) % spreadOver] as string[];
    if (keys.length < wanted) keys.push(key);
  }
  return Array.from(
    { length: count },
    (_, k) => byResidue[k % spreadOver]?.[Math.floor(k / spreadOver)] as string,
  );
}

/** One service's D1 calls per saga completed at one shard count. */
export interface ServiceShardFigures {
  /** Calls per saga over every shard (unattributed ones included), idle calls taken out. */
  perSaga: number | null;
  /** Calls per saga of each shard, by shard number, its idle calls taken out. */
  byShard: (number | null)[];
  /** Each shard's calls per second with no saga running (relay rounds), by shard number. */
  idlePerSecond: (number | null)[];
  /** The shard with the most calls (the lowest number among equals). */
  busiest: number | null;
  /** Its calls per saga: what caps the service when one database answers one query at a time. */
  busiestPerSaga: number | null;
  /** Its part of the service's calls attributed to a shard (1 on one shard). */
  busiestShare: number | null;
  /** Calls per saga no shard could be named for: the per-shard figures miss that many. */
  unattributedPerSaga: number | null;
  /**
   * The sagas/s its busiest shard allows at MS_PER_QUERY per query, one at a time: the
   * database's second less its idle calls, over the calls per saga.
   */
  capacityPerSecond: number | null;
}

/** Every service's calls per second and shard while nothing runs (`idleRates`). */
export type IdleRates = Record<D1Service, (number | null)[]>;

/** Calls per second and shard between two reads `seconds` apart; null for a restarted Worker. */
export function idleRates(window: D1Window, shards: number, seconds: number): IdleRates {
  const out = {} as IdleRates;
  for (const service of D1_SERVICES) {
    const was = window.before[service];
    const is = window.after[service];
    out[service] = Array.from({ length: shards }, (_, shard) =>
      was.isolate !== is.isolate || seconds <= 0
        ? null
        : round(((is.byShard?.[shard] ?? 0) - (was.byShard?.[shard] ?? 0)) / seconds, 2),
    );
  }
  return out;
}

export interface ShardRun {
  shards: number;
  concurrency: number;
  sagas: number;
  unfinished: number;
  sagasPerSecond: number;
  /** What one history poll costs the order service here (subtracted on the polled order's shard). */
  historyCallCost: number;
  historyPolls: number;
  /** Closed loops run to get one without a Worker restart (shard-runs.ts). */
  attempts?: number;
  services: Record<D1Service, ServiceShardFigures>;
  /** The service whose busiest shard allows the fewest sagas/s, and that rate. */
  cap: { service: D1Service; sagasPerSecond: number } | null;
}

/** The busiest of `calls` (index and share of the sum); null if any is unknown or all are 0. */
export function busiestShard(
  calls: readonly (number | null)[],
): { shard: number; share: number } | null {
  if (calls.length === 0 || calls.some((n) => n === null)) return null;
  const known = calls as number[];
  const sum = known.reduce((a, b) => a + b, 0);
  if (sum <= 0) return null;
  const shard = known.indexOf(Math.max(...known));
  return { shard, share: round((known[shard] as number) / sum, 3) };
}

/**
 * Sagas/s a database allows at `perSaga` queries per saga, `msPerQuery` each, one at a time,
 * when `idlePerSecond` of its queries a second go to work no saga asked for.
 */
export function capacity(
  perSaga: number | null,
  idlePerSecond: number | null = 0,
  msPerQuery = MS_PER_QUERY,
): number | null {
  if (perSaga === null || perSaga <= 0) return null;
  const free = 1000 - (idlePerSecond ?? 0) * msPerQuery;
  return Math.max(0, Math.round(free / (msPerQuery * perSaga)));
}

/**
 * Per service, the calls per saga of each shard over a counting window of `seconds`. Taken out:
 * each shard's idle calls (`idle`, per second, times `seconds`: its relay's rounds happen
 * whether sagas run or not, and at the bench's few sagas/s they would pass for saga work), and
 * from the order service the bench's own history polls, each on the shard its order lives on
 * (`pollsByShard`, `historyCost` calls each). A service whose Worker restarted in the window
 * (a new isolate id) has no figures.
 */
export function shardFigures(
  window: D1Window,
  sagas: number,
  shards: number,
  pollsByShard: readonly number[],
  historyCost: number,
  idle?: IdleRates,
  seconds = 0,
): Record<D1Service, ServiceShardFigures> {
  const out = {} as Record<D1Service, ServiceShardFigures>;
  for (const service of D1_SERVICES) {
    const was = window.before[service];
    const is = window.after[service];
    const valid = was.isolate === is.isolate && sagas > 0;
    const perSaga = (n: number) => (valid ? round(n / sagas, 2) : null);
    const polls = (shard: number) =>
      service === "order" ? (pollsByShard[shard] ?? 0) * historyCost : 0;
    const idlePerSecond = Array.from(
      { length: shards },
      (_, shard) => idle?.[service]?.[shard] ?? (idle ? null : 0),
    );
    const raw = Array.from(
      { length: shards },
      (_, shard) =>
        (is.byShard?.[shard] ?? 0) -
        (was.byShard?.[shard] ?? 0) -
        polls(shard) -
        (idlePerSecond[shard] ?? 0) * seconds,
    );
    const unattributed = (is.unattributed ?? 0) - (was.unattributed ?? 0);
    const byShard = raw.map(perSaga);
    const top = valid ? busiestShard(raw) : null;
    const busiestPerSaga = top ? (byShard[top.shard] ?? null) : null;
    const busiestIdle = top ? (idlePerSecond[top.shard] ?? null) : null;
    out[service] = {
      perSaga: perSaga(raw.reduce((a, b) => a + b, 0) + unattributed),
      byShard,
      idlePerSecond: idlePerSecond.map((n) => (valid ? n : null)),
      busiest: top?.shard ?? null,
      busiestPerSaga,
      busiestShare: top?.share ?? null,
      unattributedPerSaga: perSaga(unattributed),
      capacityPerSecond: capacity(busiestPerSaga, busiestIdle),
    };
  }
  return out;
}

/** The service that caps the system first: the lowest capacity of a busiest shard. */
export function systemCap(services: Record<D1Service, ServiceShardFigures>): ShardRun["cap"] {
  let cap: ShardRun["cap"] = null;
  for (const service of D1_SERVICES) {
    const rate = services[service].capacityPerSecond;
    if (rate !== null && (cap === null || rate < cap.sagasPerSecond))
      cap = { service, sagasPerSecond: rate };
  }
  return cap;
}

/** Order calls per saga on its busiest shard at `shards` as a ratio of the run at 1 shard. */
export function orderBusiestRatio(runs: readonly ShardRun[], shards = 4): number | null {
  const one = runs.find((r) => r.shards === 1)?.services.order.busiestPerSaga;
  const many = runs.find((r) => r.shards === shards)?.services.order.busiestPerSaga;
  if (one == null || many == null || one <= 0) return null;
  return round(many / one, 3);
}

const pct = (share: number | null) => (share === null ? "n/a" : `${Math.round(share * 100)}%`);
const list = (values: readonly (number | null)[]) =>
  values.map((v) => (v === null ? "n/a" : String(v))).join(" / ");

/** The results table's rows of the section. */
export function shardRows(runs: readonly ShardRun[]): Row[] {
  const section = "shards";
  const rows: Row[] = [];
  for (const run of runs) {
    const n = `${run.shards} shard${run.shards === 1 ? "" : "s"}`;
    rows.push({
      section,
      figure: `sagas completed per second, ${n}, ${run.concurrency} in flight${run.unfinished ? ` (${run.unfinished} unfinished)` : ""}`,
      value: run.sagasPerSecond,
      unit: "orders/s",
      samples: run.sagas,
    });
    for (const service of D1_SERVICES) {
      const f = run.services[service];
      const missed = f.unattributedPerSaga ? `; ${f.unattributedPerSaga} unattributed` : "";
      rows.push({
        section,
        figure: `${service}, ${n}: D1 calls per saga on the busiest shard (shard ${f.busiest ?? "n/a"}, ${pct(f.busiestShare)} of its calls; per shard ${list(f.byShard)}; all shards ${f.perSaga ?? "n/a"}${missed}; idle calls/s per shard ${list(f.idlePerSecond)}, taken out)`,
        value: f.busiestPerSaga,
        unit: "calls",
        samples: run.sagas,
      });
    }
    rows.push({
      section,
      figure: `capacity at ${MS_PER_QUERY} ms per D1 query, ${n}: sagas/s each service's busiest shard allows, its idle calls first (${D1_SERVICES.map((s) => `${s} ${run.services[s].capacityPerSecond ?? "n/a"}`).join(", ")}); capped by ${run.cap?.service ?? "n/a"}`,
      value: run.cap?.sagasPerSecond ?? null,
      unit: "sagas/s",
    });
  }
  const ratio = orderBusiestRatio(runs);
  const one = runs.find((r) => r.shards === 1)?.services.order.busiestPerSaga ?? null;
  const four = runs.find((r) => r.shards === 4)?.services.order.busiestPerSaga ?? null;
  rows.push({
    section,
    figure: `order: D1 calls per saga on the busiest shard, 4 shards / 1 shard (${four ?? "n/a"} / ${one ?? "n/a"}, same run)`,
    value: ratio,
    unit: "x",
    target: `<= ${ORDER_BUSIEST_TARGET}`,
    met: ratio !== null && ratio <= ORDER_BUSIEST_TARGET,
  });
  return rows;
}
