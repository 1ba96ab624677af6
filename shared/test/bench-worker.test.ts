import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { countedStub } from "../bench/invocations";
import { countQueueMessages } from "../bench/queue-messages";
import type { D1CallCountsSchema } from "../src/admin/admin-schemas";
import { relay } from "./helpers";
import worker from "./worker/src/index";

type Counts = import("zod").infer<typeof D1CallCountsSchema>;

/** The bench counts of this isolate, through the bench route (not itself counted). */
async function counts(): Promise<Counts> {
  const res = await exports.default.fetch("http://kit/bench/d1-calls");
  expect(res.status).toBe(200);
  return res.json<Counts>();
}

const wait = { timeout: 10_000, interval: 50 };

/** Counts once nothing moves: two reads 300 ms apart agree on every invocation. */
async function settled(): Promise<Counts> {
  let last = await counts();
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await counts();
    if (JSON.stringify(next.invocations) === JSON.stringify(last.invocations)) return next;
    last = next;
  }
}

const call = async (target: ExportedHandler<Env>, path: string, testEnv: Env) => {
  const ctx = createExecutionContext();
  const res = await (target.fetch as NonNullable<typeof target.fetch>)(
    new Request(`http://kit${path}`) as Request<unknown, IncomingRequestCfProperties>,
    testEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
};

// That a production entry serves no bench route and bundles no bench code: order's
// bench-routes.test.ts and scripts/test/local-stack-bench-entry.test.ts (a defineService here
// would register a second consumer's replayer in this shared runtime).
describe("bench entry: nothing bench without it", () => {
  it('the bench entry with BENCH_BASELINES_ENABLED other than "true" is the service: 404, nothing counted', async () => {
    const before = await settled();
    for (const value of [undefined, "false", "1"]) {
      const off = { ...env, BENCH_BASELINES_ENABLED: value } as Env;
      const res = await call(worker, "/bench/d1-calls", off);
      expect(res.status).toBe(404);
      expect((await call(worker, "/stats", off)).status).toBe(200);
    }
    expect((await counts()).invocations.fetch).toBe(before.invocations.fetch);
  });
});

describe("bench entry: invocations by kind", () => {
  it("counts Worker fetches, not the bench's own reads", async () => {
    const before = await settled();
    for (let i = 0; i < 2; i++)
      expect((await exports.default.fetch("http://kit/stats")).status).toBe(200);
    await counts();
    const after = await counts();
    expect(after.invocations.fetch - before.invocations.fetch).toBe(2);
  });

  it("counts Durable Object RPC calls by method, and the alarm the cron's poke arms", async () => {
    const before = await settled();
    // What countDurableObjectRequests makes of every stub a bench entry's isolate gets (this
    // test Worker leaves stubs alone: runInDurableObject refuses the proxies).
    const stub = countedStub(relay());
    await stub.status();
    await stub.status();
    const after = await counts();
    expect(after.invocations.doRpc - before.invocations.doRpc).toBe(2);
    expect(
      (after.invocations.doRpcByMethod.status ?? 0) -
        (before.invocations.doRpcByMethod.status ?? 0),
    ).toBe(2);
    // A commit's poke runs the relay itself; the cron's (maintenance) goes through the alarm.
    await stub.poke({ maintenance: true });
    await vi.waitFor(async () => {
      expect((await counts()).invocations.doAlarm).toBeGreaterThan(before.invocations.doAlarm);
    }, wait);
  });

  it("one sendBatch of 3 messages: 1 call, 3 writes; delivered as 1 batch of 3 messages, 3 reads, 3 deletes", async () => {
    const before = await settled();
    // The test's env holds its own binding objects: the sends are counted on their prototype.
    const sentBefore = countQueueMessages(env);
    // Not events: dead-lettered at once, so no receipt or relay send adds to the figures.
    await env.TEST_INBOX.sendBatch([1, 2, 3].map((probe) => ({ body: { probe } })));
    const sent = countQueueMessages(env);
    expect((sent?.calls.sendBatch ?? 0) - (sentBefore?.calls.sendBatch ?? 0)).toBe(1);
    expect((sent?.calls.send ?? 0) - (sentBefore?.calls.send ?? 0)).toBe(0);
    expect((sent?.writeOperations ?? 0) - (sentBefore?.writeOperations ?? 0)).toBe(3);
    await vi.waitFor(async () => {
      expect((await counts()).invocations.queueBatches).toBe(before.invocations.queueBatches + 1);
    }, wait);
    const after = await settled();
    const delta = (pick: (c: Counts) => number | undefined) =>
      (pick(after) ?? 0) - (pick(before) ?? 0);
    expect(delta((c) => c.invocations.queueBatches)).toBe(1);
    expect(delta((c) => c.invocations.queueMessages)).toBe(3);
    expect(delta((c) => c.queueOperations.read)).toBe(3);
    expect(delta((c) => c.queueOperations.delete)).toBe(3);
    expect(after.isolate).toBe(before.isolate);
  });
});
