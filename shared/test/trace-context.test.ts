import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log/logger";
import { effectTraceHeaders, requestAndTrace, storedRequest } from "../src/trace/effect-trace";
import {
  childOf,
  continueSaga,
  formatTraceparent,
  linksOf,
  newTraceContext,
  parseTraceparent,
  processedIn,
  requestTraceContext,
  stampTrace,
  traceOf,
} from "../src/trace/trace-context";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${SPAN}-01`;
type Ev = { id: string; traceparent?: string; tracestate?: string };

describe("W3C trace context (unit)", () => {
  it("parses a valid traceparent and formats it back", () => {
    const context = parseTraceparent(VALID, "congo=t61rcWkgMzE");
    expect(context).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      flags: "01",
      tracestate: "congo=t61rcWkgMzE",
    });
    expect(formatTraceparent(context as never)).toBe(VALID);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["upper case", VALID.toUpperCase()],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with more fields", `${VALID}-extra`],
    ["short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["not a string", 42],
  ])("ignores an invalid traceparent (%s)", (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("reads a later version's first four fields and drops a tracestate it cannot carry", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-future`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(VALID, "x".repeat(513))?.tracestate).toBeUndefined();
    expect(parseTraceparent(VALID, "a=\u00011")?.tracestate).toBeUndefined();
  });

  it("a child keeps the trace, flags and tracestate with a new span id; a new trace is random", () => {
    const parent = parseTraceparent(VALID, "a=1") as NonNullable<
      ReturnType<typeof parseTraceparent>
    >;
    const child = childOf(parent);
    expect(child).toMatchObject({ traceId: TRACE, flags: "01", tracestate: "a=1" });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(SPAN);
    const fresh = newTraceContext();
    expect(parseTraceparent(formatTraceparent(fresh))).toEqual(fresh);
    expect(newTraceContext().traceId).not.toBe(fresh.traceId);
  });

  it("a request's span continues its valid traceparent, else starts a trace", () => {
    const continued = requestTraceContext(new Headers({ traceparent: VALID }));
    expect(continued.traceId).toBe(TRACE);
    expect(continued.spanId).not.toBe(SPAN);
    const started = requestTraceContext(new Headers({ traceparent: "00-bogus" }));
    expect(started.traceId).not.toBe(TRACE);
    expect(started.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("stamps events without a context, keeps one that has its own", () => {
    const request = parseTraceparent(VALID);
    const own = `00-${"a".repeat(32)}-${"b".repeat(16)}-01`;
    const [bare, carried] = stampTrace<{ id: string; traceparent?: string }>(
      [{ id: "e1" }, { id: "e2", traceparent: own }],
      request,
    );
    expect(bare?.traceparent).toBe(VALID);
    expect(carried?.traceparent).toBe(own);
    expect(stampTrace<Ev>([{ id: "e3" }], undefined)).toEqual([{ id: "e3" }]);
    const event: { id: string; traceparent?: string } = { id: "e4" };
    stampTrace([event], request);
    expect(event.traceparent).toBe(VALID);
  });

  it("a consumer's processing span is a child of the producer's; emitted events are its children", () => {
    const event = { id: "e1", traceparent: VALID };
    const processing = processedIn(event);
    const span = traceOf(processing);
    expect(span?.traceId).toBe(TRACE);
    expect(span?.spanId).not.toBe(SPAN);
    const [emitted] = stampTrace<Ev>([{ id: "e2" }], span);
    expect(traceOf(emitted)).toEqual(span);
    expect(processedIn<Ev>({ id: "e3" })).toEqual({ id: "e3" });
  });

  it("links every distinct producer span of a batch, once", () => {
    const other = `00-${"c".repeat(32)}-${"d".repeat(16)}-01`;
    expect(
      linksOf([
        { traceparent: VALID },
        { traceparent: VALID },
        { traceparent: other },
        {},
        undefined,
      ]),
    ).toEqual([
      { traceId: TRACE, spanId: SPAN },
      { traceId: "c".repeat(32), spanId: "d".repeat(16) },
    ]);
  });

  it("the logger writes a traceparent field as the span's traceId and spanId", () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const log = createLogger({ level: "info" }).with({ traceparent: VALID });
      log.info("applied", { eventId: "e1" });
      createLogger({ level: "info" }).info("no trace", { traceparent: "junk" });
    } finally {
      console.log = original;
    }
    expect(JSON.parse(lines[0] as string)).toMatchObject({ traceId: TRACE, spanId: SPAN });
    expect(JSON.parse(lines[0] as string)).not.toHaveProperty("traceparent");
    expect(JSON.parse(lines[1] as string)).not.toHaveProperty("traceId");
  });

  it("an effect's stored request keeps the deciding span; the performer gets the request alone, in a child span", () => {
    const stored = JSON.parse(JSON.stringify(storedRequest({ amountCents: 100 }, VALID)));
    const { request, trace } = requestAndTrace(stored);
    expect(request).toEqual({ amountCents: 100 });
    // The call is a span of its own in the saga's trace: its parent decided it.
    const call = traceOf(trace);
    expect(call).toMatchObject({ traceId: TRACE, flags: "01" });
    expect(call?.spanId).not.toBe(SPAN);
    // ... and it travels to the other side on the call.
    expect(effectTraceHeaders(trace)).toEqual({ traceparent: trace.traceparent });
    expect(effectTraceHeaders({})).toEqual({});
    // Not an object, or no trace: stored as it was.
    expect(storedRequest("raw", VALID)).toBe("raw");
    expect(requestAndTrace({ amountCents: 1 })).toEqual({ request: { amountCents: 1 }, trace: {} });
  });

  it("work from outside a saga's events continues the saga's trace; the asking request is a link", () => {
    const saga = parseTraceparent(VALID, "vendor=x") as never;
    const request = newTraceContext();
    const { span, links } = continueSaga(saga, request);
    expect(span).toMatchObject({ traceId: TRACE, flags: "01", tracestate: "vendor=x" });
    expect(span.spanId).not.toBe(SPAN);
    expect(links).toEqual([{ traceId: request.traceId, spanId: request.spanId }]);
    // A request already in the saga's trace is no link; without a saga, the request's span.
    expect(continueSaga(saga, childOf(saga)).links).toEqual([]);
    expect(continueSaga(undefined, request)).toEqual({ span: request, links: [] });
    expect(continueSaga(undefined).span.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
