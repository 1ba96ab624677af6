import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  deadLetterIdOf,
  mergePages,
  mergeRelayStatus,
  parseDeadLetterId,
} from "../src/admin/admin-shards";
import { kitAdminRoutes } from "../src/admin/kit-admin-routes";
import { EMPTY_RELAY_STATUS, relayStub } from "../src/relay/outbox-relay";

const status = (over: Partial<Parameters<typeof mergeRelayStatus>[0][0]>) => ({
  ...EMPTY_RELAY_STATUS,
  ...over,
});

describe("kit admin routes over shards: the merge rules", () => {
  it("a dead letter's id names its shard beyond shard 0, and only a shard the service has", () => {
    expect(deadLetterIdOf(0, "abc")).toBe("abc");
    expect(deadLetterIdOf(2, "abc")).toBe("s2.abc");
    expect(parseDeadLetterId("abc", 1)).toEqual({ shard: 0, id: "abc" });
    expect(parseDeadLetterId("s2.abc", 4)).toEqual({ shard: 2, id: "abc" });
    expect(parseDeadLetterId("s2.abc", 2)).toBeNull();
    expect(parseDeadLetterId("s0.abc", 2)).toBeNull();
  });

  it("one relay status of several: totals summed, latest run and error, worst failure run, next alarm", () => {
    const merged = mergeRelayStatus([
      status({ lastRunAt: 10, publishedTotal: 2, nextAlarmAt: 50 }),
      status({
        lastRunAt: 30,
        lastError: "down",
        lastErrorAt: 30,
        consecutiveFailures: 3,
        publishedTotal: 5,
        resentTotal: 1,
        nextAlarmAt: 40,
      }),
    ]);
    expect(merged).toMatchObject({
      lastRunAt: 30,
      lastError: "down",
      lastErrorAt: 30,
      consecutiveFailures: 3,
      publishedTotal: 7,
      resentTotal: 1,
      nextAlarmAt: 40,
    });
  });

  it("a keyset page over shards: by id, each id once, at most the limit", () => {
    const id = (r: string) => r;
    expect(
      mergePages(
        [
          ["a", "c", "e"],
          ["b", "c", "d"],
        ],
        id,
        3,
      ),
    ).toEqual(["a", "b", "c"]);
    expect(mergePages([["a"], []], id, 3)).toEqual(["a"]);
  });
});

describe("kit admin routes over shards: fault plans", () => {
  it("PUT /faults sets the plan on every shard's relay (each draws from its own storage); DELETE clears each", async () => {
    // The kit test worker has one database: its env stands in for both shards' here, which is
    // all the fault routes read (each shard's relay is its own Durable Object).
    const routes = kitAdminRoutes({
      d1: (e: Env) => e.DB,
      relay: (e: Env) => e.RELAY,
      shards: (e: Env) => [e, e],
    });
    const plan = { seed: 7, probabilities: { "relay.poke-lost": 0.5 } };
    const put = await routes.request(
      "/faults",
      {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(plan),
      },
      env,
    );
    expect(put.status).toBe(200);
    const answer = (await put.json()) as {
      plan: unknown;
      shards: { shard: number; plan: unknown }[];
    };
    expect(answer.plan).toEqual(plan);
    expect(answer.shards.map((s) => [s.shard, s.plan])).toEqual([
      [0, plan],
      [1, plan],
    ]);
    for (const shard of [0, 1])
      expect((await relayStub(env.RELAY, shard).faults()).plan).toEqual(plan);

    expect((await routes.request("/faults", { method: "DELETE" }, env)).status).toBe(200);
    for (const shard of [0, 1])
      expect((await relayStub(env.RELAY, shard).faults()).plan).toBeNull();
  });
});
