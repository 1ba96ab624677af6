import { afterEach, describe, expect, it } from "vitest";
import { authorize, call, callWith, entries, ledger, request, uniqueId } from "./helpers";

const setPlan = (plan: unknown) => call("PUT", "/v1/test/faults", plan);

afterEach(async () => {
  await call("DELETE", "/v1/test/faults");
});

describe("seeded faults", () => {
  it("do not exist unless FAULTS_ENABLED is exactly 'true'", async () => {
    for (const FAULTS_ENABLED of [undefined, "false", "TRUE"]) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const body = method === "PUT" ? { seed: 1, probabilities: { "psp.error": 1 } } : undefined;
        const res = await callWith({ FAULTS_ENABLED }, request(method, "/v1/test/faults", body));
        expect(res.status).toBe(404);
      }
    }
    expect((await call("GET", "/v1/test/faults")).body).toEqual({
      enabled: true,
      plan: null,
      injected: {},
    });
  });

  it("refuses a plan with an unknown point or out-of-range numbers", async () => {
    for (const plan of [
      { seed: 1, probabilities: { "relay.send-throws": 1 } },
      { seed: 1, probabilities: { "psp.error": 2 } },
      { seed: 1, probabilities: {}, hangMs: 5 },
      { seed: 1, probabilities: {}, extra: true },
    ])
      expect((await setPlan(plan)).status).toBe(400);
  });

  it("psp.error: a 500 that commits nothing; the same key succeeds once faults are off", async () => {
    expect((await setPlan({ seed: 7, probabilities: { "psp.error": 1 } })).status).toBe(200);
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const before = await ledger();
    const failed = await authorize(orderId, { key });
    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatchObject({ type: "api_error", code: "sandbox_injected_error" });
    expect(await ledger()).toEqual(before);
    expect((await call("GET", "/v1/test/faults")).body.injected).toEqual({ "psp.error": 1 });

    await call("DELETE", "/v1/test/faults");
    const retried = await authorize(orderId, { key });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await entries(orderId)).toHaveLength(1);
  });

  it("psp.timeout-after-commit: the answer comes hangMs late, but the intent is committed", async () => {
    const hangMs = 300;
    await setPlan({ seed: 7, probabilities: { "psp.timeout-after-commit": 1 }, hangMs });
    const orderId = uniqueId("order");
    const key = uniqueId("key");
    const started = Date.now();
    const late = await authorize(orderId, { key });
    expect(Date.now() - started).toBeGreaterThanOrEqual(hangMs - 10);
    expect(late.status).toBe(200);
    expect(await entries(orderId)).toMatchObject([{ kind: "authorization", intent: late.body.id }]);

    // The caller gave up long ago and retries with its key: the same intent, no second hold.
    await call("DELETE", "/v1/test/faults");
    const retried = await authorize(orderId, { key });
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(retried.body.id).toBe(late.body.id);
    expect(await entries(orderId)).toHaveLength(1);
  });

  it("the same seed injects the same sequence of faults", async () => {
    const run = async (seed: number) => {
      await setPlan({ seed, probabilities: { "psp.error": 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await authorize(uniqueId("seq"))).status);
      const report = (await call("GET", "/v1/test/faults")).body;
      expect(report.injected["psp.error"] ?? 0).toBe(statuses.filter((s) => s === 500).length);
      return statuses;
    };
    const first = await run(42);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });
});
