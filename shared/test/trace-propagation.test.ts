import { createMessageBatch } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runBatch } from "../src/db/types";
import { causedBy, type Envelope } from "../src/envelope";
import { createConsumerCore } from "../src/inbox/inbox-consumer";
import { outboxInserts } from "../src/outbox/outbox-writer";
import { parseTraceparent, traceOf } from "../src/trace/trace-context";
import { db, increment } from "./helpers";
import { catalog } from "./worker/src/catalog";

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const REQUEST_SPAN = "b7ad6b7169203331";
const REQUEST = parseTraceparent(`00-${TRACE}-${REQUEST_SPAN}-01`, "vendor=x");

const outboxBody = async (eventId: string) =>
  JSON.parse(
    (
      await env.DB.prepare("SELECT body FROM outbox WHERE event_id = ?")
        .bind(eventId)
        .first<{ body: string }>()
    )?.body ?? "null",
  ) as Envelope;

/** A consumer whose handler emits one event per event it applies, as a saga step does. */
const consume = createConsumerCore<Env>({
  service: "trace-tester",
  catalog,
  db: (e) => drizzle(e.DB),
  receiptQueue: () => undefined,
  handlers: {
    TallyIncremented: (event: Envelope<{ tallyId: string }>) => ({
      events: [
        catalog.create("TallyDoubled", {
          aggregateType: "tally",
          aggregateId: event.payload.tallyId,
          ...causedBy(event),
          payload: { tallyId: event.payload.tallyId },
        }),
      ],
    }),
  },
});

describe("trace context across a hop (integration)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("an event written with the request's context is sent with it; what its consumer emits continues the trace", async () => {
    const event = increment("traced-hop");
    await runBatch(db, outboxInserts(db, [event], Date.now(), undefined, REQUEST));
    // Captured in the row's body (what the relay reads) and on the event a poke hands over.
    const written = await outboxBody(event.id);
    expect(written.traceparent).toBe(`00-${TRACE}-${REQUEST_SPAN}-01`);
    expect(written.tracestate).toBe("vendor=x");
    expect(event.traceparent).toBe(written.traceparent);

    const lines: Record<string, unknown>[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => lines.push(JSON.parse(line)));
    const batch = createMessageBatch("trace-tester-inbox", [
      { id: "m-traced", timestamp: new Date(), attempts: 1, body: written },
    ]);
    await consume(batch, { ...env, LOG_LEVEL: "debug" });

    const [emitted] = (
      await env.DB.prepare(
        "SELECT event_id AS id FROM outbox WHERE json_extract(body, '$.causationId') = ?",
      )
        .bind(event.id)
        .all<{ id: string }>()
    ).results;
    const child = traceOf(await outboxBody(emitted?.id ?? ""));
    // Same trace, a new parent span (the consumer's processing), the vendor state carried on.
    expect(child?.traceId).toBe(TRACE);
    expect(child?.spanId).not.toBe(REQUEST_SPAN);
    expect(child?.tracestate).toBe("vendor=x");
    // The processing lines carry that span; the batch line links the producer's span.
    const applied = lines.find((l) => l.msg === "event applied");
    expect(applied).toMatchObject({ traceId: TRACE, spanId: child?.spanId });
    const done = lines.find((l) => l.msg === "batch done");
    expect(done?.links).toEqual([{ traceId: TRACE, spanId: REQUEST_SPAN }]);
  });

  it("an event's own context is kept; an invalid one is neither written nor refused", async () => {
    const own = {
      ...increment("traced-own"),
      traceparent: `00-${"1".repeat(32)}-${"2".repeat(16)}-00`,
    };
    const invalid = { ...increment("traced-invalid"), traceparent: "00-not-a-trace" };
    await runBatch(db, outboxInserts(db, [own, invalid], Date.now(), undefined, REQUEST));
    expect((await outboxBody(own.id)).traceparent).toBe(own.traceparent);
    // An invalid context is replaced by the request's, never kept to break a consumer.
    expect(traceOf(await outboxBody(invalid.id))?.traceId).toBe(TRACE);
    expect(catalog.parse({ ...increment("traced-junk"), traceparent: 42 }).ok).toBe(true);
  });
});
