import { describe, expect, it } from "vitest";
import { requestLineTrace } from "../src/middleware/access-log";
import { CUSTOMER, callWith, recordingService } from "./helpers";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The traceparent (parsed) and tracestate the order service got for one `GET /orders/o1`. */
async function forwardedWith(headers: Record<string, string>) {
  const order = recordingService();
  await callWith(
    { ORDER: order.service },
    new Request("https://gateway.test/orders/o1", { headers: { ...CUSTOMER, ...headers } }),
  );
  const sent = order.seen[0]?.headers ?? {};
  const [, traceId, spanId, flags] = TRACEPARENT.exec(sent.traceparent ?? "") ?? [];
  return { traceId, spanId, flags, tracestate: sent.tracestate };
}

describe("W3C trace context at the gateway", () => {
  it("continues a valid traceparent: the service gets the same trace, the gateway's span as parent", async () => {
    const sent = await forwardedWith({
      traceparent: `00-${TRACE}-${CALLER_SPAN}-01`,
      tracestate: "vendor=1",
    });
    expect(sent).toMatchObject({ traceId: TRACE, flags: "01", tracestate: "vendor=1" });
    expect(sent.spanId).not.toBe(CALLER_SPAN);
  });

  it.each([
    ["none", {}],
    ["a malformed one", { traceparent: "00-not-a-trace-01", tracestate: "vendor=1" }],
    ["an all-zero trace id", { traceparent: `00-${"0".repeat(32)}-${CALLER_SPAN}-01` }],
  ])("starts a new trace for %s (and drops its tracestate)", async (_, headers) => {
    const sent = await forwardedWith(headers);
    expect(sent.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(sent.traceId).not.toMatch(/^0+$/);
    expect(sent.tracestate).toBeUndefined();
    // Each request its own trace.
    expect((await forwardedWith(headers)).traceId).not.toBe(sent.traceId);
  });
});

describe("the gateway's request line", () => {
  const request = { traceId: TRACE, spanId: CALLER_SPAN, flags: "01" };
  const SAGA = "0af7651916cd43dd8448eb211c80319c";

  it("is written under the saga's trace a service answered (traceresponse), the request's linked", () => {
    expect(requestLineTrace(request, `00-${SAGA}-b7ad6b7169203331-01`)).toEqual({
      traceparent: `00-${SAGA}-b7ad6b7169203331-01`,
      links: [{ traceId: TRACE, spanId: CALLER_SPAN }],
    });
  });

  it.each([
    ["no traceresponse", null],
    ["a malformed one", "00-nope-01"],
    ["the request's own trace", `00-${TRACE}-b7ad6b7169203331-01`],
  ])("keeps the request's own trace for %s", (_, answered) => {
    expect(requestLineTrace(request, answered)).toEqual({
      traceparent: `00-${TRACE}-${CALLER_SPAN}-01`,
    });
  });
});
