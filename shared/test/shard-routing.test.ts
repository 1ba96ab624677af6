import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "../src/envelope";
import { relayNameOf, shardOfRelayName } from "../src/relay/outbox-relay";
import { dbBindingOf, everyShard, onShard, shardCount } from "../src/shards/shard-env";
import {
  SLOTS,
  shardOf,
  shardOfId,
  shardOfSlot,
  shardsOf,
  slotOf,
  slotOfId,
  withSlot,
} from "../src/shards/shard-routing";

describe("shard routing", () => {
  it("spreads 10,000 random keys evenly: with 4 shards none holds more than 30%", () => {
    const keys = Array.from({ length: 10_000 }, () => crypto.randomUUID());
    const counts = [0, 0, 0, 0];
    for (const key of keys) counts[shardOf(key, 4)]!++;
    for (const count of counts) expect(count / keys.length).toBeLessThan(0.3);
  });

  it("spreads short sequential keys too (customer-1 ... customer-1000, SKU-0001 ...)", () => {
    for (const name of ["customer-", "SKU-"]) {
      const counts = [0, 0, 0, 0];
      for (let i = 1; i <= 1_000; i++) counts[shardOf(`${name}${i}`, 4)]!++;
      for (const count of counts) expect(count / 1_000).toBeLessThan(0.3);
    }
  });

  it("is a pure function of the key: the same shard every time, in range", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: SLOTS }), (key, shards) => {
        const shard = shardOf(key, shards);
        expect(shard).toBe(shardOf(key, shards));
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(shards);
      }),
    );
  });

  it("doubling the shards splits each one in two and moves nothing between the others", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(1, 2, 4, 8, 16), (key, n) => {
        const before = shardOf(key, n);
        expect([before, before + n]).toContain(shardOf(key, 2 * n));
      }),
    );
  });

  it("an id made for a key's slot names the key's shard, for any number of shards", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: SLOTS }),
        (customer, n) => {
          const id = withSlot(newId(), slotOf(customer));
          expect(slotOfId(id)).toBe(slotOf(customer));
          expect(shardOfId(id, n)).toBe(shardOf(customer, n));
          expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        },
      ),
    );
  });

  it("two ids for the same slot stay distinct", () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => withSlot(newId(), 7)));
    expect(ids.size).toBe(1_000);
  });

  it("an id not made by withSlot hashes like a key", () => {
    expect(slotOfId("order-without-a-slot")).toBe(slotOf("order-without-a-slot"));
  });

  it("lists the shards of several keys once each, ascending", () => {
    const keys = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
    const shards = shardsOf(keys, 4);
    expect(shards).toEqual([...new Set(keys.map((k) => shardOf(k, 4)))].sort());
  });

  it("refuses a shard count or slot out of range, and an id it cannot mark", () => {
    expect(() => shardOf("k", 0)).toThrow(/shards must be an integer/);
    expect(() => shardOf("k", 257)).toThrow(/shards must be an integer/);
    expect(() => shardOfSlot(256, 4)).toThrow(/slot must be/);
    expect(() => withSlot("not-a-uuid", 1)).toThrow(/not a UUID/);
  });
});

describe("shard configuration", () => {
  const db = (name: string) => ({ prepare: () => name }) as unknown as D1Database;

  it("SHARDS unset is one shard: the DB binding, as before shards", () => {
    const env = { DB: db("zero") };
    expect(shardCount(env)).toBe(1);
    expect(everyShard(env).map((e) => [e.SHARD, e.DB])).toEqual([[0, env.DB]]);
  });

  it("scopes an env to a shard: its DB is the shard's binding", () => {
    const env = { SHARDS: "3", DB: db("0"), DB_1: db("1"), DB_2: db("2"), OTHER: "kept" };
    expect(everyShard(env).map((e) => e.DB)).toEqual([env.DB, env.DB_1, env.DB_2]);
    expect(onShard(env, 2)).toMatchObject({ SHARD: 2, OTHER: "kept" });
    expect(dbBindingOf(2)).toBe("DB_2");
  });

  it("fails loudly on a shard count without its bindings, or a bad count", () => {
    expect(() => onShard({ SHARDS: "2", DB: db("0") }, 1)).toThrow(/no D1 binding DB_1/);
    expect(() => onShard({ SHARDS: "2", DB: db("0") }, 2)).toThrow(/not one of this service's 2/);
    expect(() => shardCount({ SHARDS: "two" })).toThrow(/shards must be an integer/);
  });

  it("names one relay per shard, shard 0 keeping the single relay's name", () => {
    expect(relayNameOf(0)).toBe("outbox-relay");
    expect([0, 1, 3, 255].map((s) => shardOfRelayName(relayNameOf(s)))).toEqual([0, 1, 3, 255]);
    expect(shardOfRelayName(undefined)).toBe(0);
  });
});
