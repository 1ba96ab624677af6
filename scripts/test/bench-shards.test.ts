import { describe, expect, it } from "vitest";
import { shardOf } from "../../shared/src/shards/shard-routing";
import type { D1Snapshot, D1Window } from "../lib/bench/d1-calls";
import { markdown } from "../lib/bench/report";
import {
  busiestShard,
  capacity,
  idleRates,
  orderBusiestRatio,
  type ShardRun,
  shardFigures,
  shardRows,
  spreadKeys,
  systemCap,
} from "../lib/bench/shard-scaling";

/** A snapshot where every service has `byShard` calls (and `unattributed`) on isolate `isolate`. */
function snapshot(
  counts: Partial<Record<keyof D1Snapshot, number[]>>,
  unattributed = 0,
  isolate = "a",
): D1Snapshot {
  const of = (byShard: number[] = [0]) => ({
    isolate,
    total: byShard.reduce((a, b) => a + b, 0) + unattributed,
    byShard,
    unattributed,
    queueMessages: null,
  });
  return {
    order: of(counts.order),
    inventory: of(counts.inventory),
    rewards: of(counts.rewards),
    payment: of(counts.payment),
    view: of(counts.view),
  };
}

const window = (before: D1Snapshot, after: D1Snapshot): D1Window => ({
  before,
  after,
  historyPolls: 0,
});

describe("bench shards: the bench's keys", () => {
  it("spread evenly over 1, 2 and 4 shards, key k on shard k % N", () => {
    const keys = spreadKeys("c", 48);
    expect(new Set(keys).size).toBe(48);
    for (const shards of [1, 2, 4]) {
      const per = new Array(shards).fill(0);
      keys.forEach((key, k) => {
        expect(shardOf(key, shards)).toBe(k % shards);
        per[shardOf(key, shards)]++;
      });
      expect(per).toEqual(new Array(shards).fill(48 / shards));
    }
  });
});

describe("bench shards: busiest shard and capacity", () => {
  it("the busiest shard is the one with the most calls, its share of the sum", () => {
    expect(busiestShard([10, 30, 20, 40])).toEqual({ shard: 3, share: 0.4 });
    expect(busiestShard([5])).toEqual({ shard: 0, share: 1 });
    expect(busiestShard([3, 3])).toEqual({ shard: 0, share: 0.5 });
    expect(busiestShard([0, 0])).toBeNull();
    expect(busiestShard([1, null])).toBeNull();
  });

  it("capacity: 1 ms per query, one at a time: what the idle calls leave of a second / calls per saga", () => {
    expect(capacity(5)).toBe(200);
    expect(capacity(1.6)).toBe(625);
    expect(capacity(5, 100)).toBe(180);
    expect(capacity(5, 2000)).toBe(0);
    expect(capacity(0)).toBeNull();
    expect(capacity(null)).toBeNull();
  });

  it("idle calls per second and shard are taken out of the run's calls for its length", () => {
    const idle = idleRates(
      window(snapshot({ order: [0, 0] }), snapshot({ order: [40, 20] })),
      2,
      10,
    );
    expect(idle.order).toEqual([4, 2]);
    // 100 s of run: 400 and 200 calls were the shards' idle rounds, not the 20 sagas'.
    const f = shardFigures(
      window(snapshot({ order: [0, 0] }), snapshot({ order: [600, 300] })),
      20,
      2,
      [0, 0],
      0,
      idle,
      100,
    );
    expect(f.order.byShard).toEqual([10, 5]);
    expect(f.order.idlePerSecond).toEqual([4, 2]);
    expect(f.order.capacityPerSecond).toBe(Math.round(996 / 10));
    const restarted = idleRates(
      window(snapshot({ order: [0] }), snapshot({ order: [5] }, 0, "b")),
      1,
      10,
    );
    expect(restarted.order).toEqual([null]);
  });

  it("per service and shard, per saga: polls taken off the order shards they read; a restart gives none", () => {
    const before = snapshot({ order: [100, 100], inventory: [0, 0] }, 2);
    const after = snapshot({ order: [340, 180], inventory: [120, 80] }, 12);
    // 10 polls on shard 0, 0 on shard 1, 4 calls each.
    const f = shardFigures(window(before, after), 20, 2, [10, 0], 4);
    expect(f.order.byShard).toEqual([10, 4]);
    expect(f.order.busiest).toBe(0);
    expect(f.order.busiestPerSaga).toBe(10);
    expect(f.order.busiestShare).toBe(0.714);
    // Unattributed calls are in the service's total, in no shard.
    expect(f.order.unattributedPerSaga).toBe(0.5);
    expect(f.order.perSaga).toBe(14.5);
    expect(f.order.capacityPerSecond).toBe(100);
    expect(f.inventory.byShard).toEqual([6, 4]);
    expect(f.inventory.busiestShare).toBe(0.6);

    const restarted = snapshot({ order: [400, 200], inventory: [0, 0] }, 0, "b");
    const none = shardFigures(window(before, restarted), 20, 2, [0, 0], 4);
    expect(none.order.busiestPerSaga).toBeNull();
    expect(none.order.capacityPerSecond).toBeNull();
  });

  it("the system's cap is the service whose busiest shard allows the fewest sagas/s", () => {
    const f = shardFigures(
      window(snapshot({}), snapshot({ order: [50], inventory: [20], rewards: [30] })),
      10,
      1,
      [0],
      0,
    );
    expect(systemCap(f)).toEqual({ service: "order", sagasPerSecond: 200 });
  });
});

function run(shards: number, orderBusiest: number | null): ShardRun {
  const figures = {
    perSaga: orderBusiest,
    byShard: new Array(shards).fill(orderBusiest),
    idlePerSecond: new Array(shards).fill(0),
    busiest: orderBusiest === null ? null : 0,
    busiestPerSaga: orderBusiest,
    busiestShare: orderBusiest === null ? null : 1 / shards,
    unattributedPerSaga: 0,
    capacityPerSecond: capacity(orderBusiest),
  };
  return {
    shards,
    concurrency: 8,
    sagas: 150,
    unfinished: 0,
    sagasPerSecond: 12.5,
    historyCallCost: 2,
    historyPolls: 300,
    services: {
      order: figures,
      inventory: figures,
      rewards: figures,
      payment: figures,
      view: figures,
    },
    cap: orderBusiest === null ? null : { service: "order", sagasPerSecond: 100 },
  };
}

describe("bench shards: the headline and the report", () => {
  it("order's busiest shard at 4 shards over 1 shard, same run; n/a without either", () => {
    expect(orderBusiestRatio([run(1, 6), run(2, 3.3), run(4, 1.8)])).toBe(0.3);
    expect(orderBusiestRatio([run(1, 6), run(2, 3.3)])).toBeNull();
    expect(orderBusiestRatio([run(1, null), run(4, 1.8)])).toBeNull();
  });

  it("rows: per shard count, sagas/s, each service's busiest shard, capacity; the target met or missed", () => {
    const met = shardRows([run(1, 6), run(2, 3.3), run(4, 1.8)]);
    expect(met).toHaveLength(3 * 7 + 1);
    const headline = met.at(-1);
    expect(headline).toMatchObject({ value: 0.3, unit: "x", target: "<= 0.35", met: true });
    expect(headline?.figure).toContain("(1.8 / 6, same run)");
    expect(met[0]).toMatchObject({ section: "shards", value: 12.5, unit: "orders/s" });
    expect(met.find((r) => r.figure.startsWith("order, 4 shards"))?.figure).toContain(
      "per shard 1.8 / 1.8 / 1.8 / 1.8",
    );
    const missed = shardRows([run(1, 6), run(4, 2.4)]).at(-1);
    expect(missed).toMatchObject({ value: 0.4, met: false });
    const table = markdown("t", {}, [missed as NonNullable<typeof missed>]);
    expect(table).toContain("| 0.4 | x |  | <= 0.35 | **no** |");
    // A shard count that failed: the headline says n/a and is not met.
    expect(shardRows([run(1, 6)]).at(-1)).toMatchObject({ value: null, met: false });
  });
});
