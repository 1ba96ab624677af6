import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { capturedTrace } from "../src/cdc/captured-trace";
import { outbox } from "../src/db/kit-schema";
import { runBatch } from "../src/db/types";
import { type EffectPerformer, effectInserts, runDueEffects } from "../src/effects/effects";
import { createLogger } from "../src/log/logger";
import { outboxInserts } from "../src/outbox/outbox-writer";
import { sagaTraceQuery, sagaTraces } from "../src/trace/saga-trace";
import { parseTraceparent, type TraceAttributes, traceOf } from "../src/trace/trace-context";
import { db, increment } from "./helpers";

/**
 * What keeps a saga on one trace id where no event carries it in: the saga's context read
 * back from its outbox (a cancel, a deadline), change capture's rows stamped in the batch that
 * wrote them, and an effect's call as a span of the saga. Integration: the kit's tables in
 * the local D1.
 */

const SAGA = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "v=1");
const LATER = parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

const bodyOf = async (eventId: string) =>
  JSON.parse(
    (await db.select({ body: outbox.body }).from(outbox).where(eq(outbox.eventId, eventId)).get())
      ?.body ?? "null",
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a saga's trace, read back and carried on", () => {
  it("sagaTraces: each saga's first traced outbox row, tracestate kept; none for an untraced saga", async () => {
    const untraced = increment("st-a");
    const first = increment("st-a");
    const later = increment("st-a");
    await runBatch(db, [
      ...outboxInserts(db, [untraced]),
      ...outboxInserts(db, [first], Date.now(), undefined, SAGA),
      ...outboxInserts(db, [later], Date.now(), undefined, LATER),
      ...outboxInserts(db, [increment("st-none")]),
    ]);
    const traces = await sagaTraces(db, ["st-a", "st-none", "st-unknown"]);
    expect([...traces.keys()]).toEqual(["st-a"]);
    expect(traces.get("st-a")).toEqual(SAGA);
    expect((await sagaTraces(db, [])).size).toBe(0);
  });

  it("sagaTraces reads by the correlation index, never the whole outbox", async () => {
    const { sql, params } = sagaTraceQuery(db, ["st-a", "st-b"]).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const plan = results.map((step) => step.detail).join("\n");
    expect(plan).toMatch(/SEARCH outbox USING INDEX outbox_correlation_idx/);
    expect(plan).not.toMatch(/SCAN outbox\b/);
  });

  it("capturedTrace: a trigger's unpublished, untraced rows of the saga get the request's trace in the same batch; others are left as they are", async () => {
    const captured = increment("st-cdc");
    const traced = increment("st-cdc");
    const sent = increment("st-cdc");
    const other = increment("st-other");
    await runBatch(db, [
      ...outboxInserts(db, [captured, other]),
      ...outboxInserts(db, [traced], Date.now(), undefined, LATER),
      ...outboxInserts(db, [sent], Date.now(), { subscribersOf: () => [] }),
      ...capturedTrace(db, "st-cdc", SAGA),
    ]);
    const stamped = await bodyOf(captured.id);
    expect(stamped).toEqual({ ...captured, traceparent: stamped.traceparent, tracestate: "v=1" });
    expect(traceOf(stamped)).toEqual(SAGA);
    expect(traceOf(await bodyOf(traced.id))?.traceId).toBe(LATER?.traceId);
    expect(traceOf(await bodyOf(sent.id))).toBeUndefined();
    expect(traceOf(await bodyOf(other.id))).toBeUndefined();
    expect(capturedTrace(db, "st-cdc", undefined)).toEqual([]);
  });

  it("an effect's call is a span of the saga: the performer gets it, its events and its log lines carry it", async () => {
    const seen: (TraceAttributes | undefined)[] = [];
    let fail = true;
    const performer: EffectPerformer<Env, { tallyId: string }, number> = {
      perform: async (effect) => {
        seen.push(effect.trace);
        if (fail) throw new Error("no answer");
        return 1;
      },
      report: (n, effect) => ({ events: [increment(effect.request.tallyId, n)] }),
    };
    const intent = {
      kind: "call",
      key: "st-effect",
      subject: "st-effect",
      correlationId: "st-effect",
      request: { tallyId: "st-effect" },
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    };
    await runBatch(db, effectInserts(db, [intent]));
    const run = (now: number) =>
      runDueEffects({
        db,
        env,
        performers: { call: performer },
        now,
        log: createLogger({ level: "warn" }),
      });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await run(Date.now());
    fail = false;
    const made = await run(Date.now() + 3_600_000);

    const [missed, call] = seen.map((trace) => traceOf(trace));
    for (const span of [missed, call]) {
      expect(span?.traceId).toBe(SAGA?.traceId);
      expect(span?.spanId).not.toBe(SAGA?.spanId);
    }
    const line = JSON.parse(String(warn.mock.calls[0]?.[0]));
    expect(line).toMatchObject({
      key: "st-effect",
      traceId: SAGA?.traceId,
      spanId: missed?.spanId,
    });
    expect(made.events).toHaveLength(1);
    expect(traceOf(await bodyOf(made.events[0]?.id ?? ""))).toEqual(call);
  });
});
