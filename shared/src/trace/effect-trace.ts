import {
  childOf,
  parseTraceparent,
  type TraceAttributes,
  traceAttributes,
  traceHeaders,
  traceOf,
} from "./trace-context";

/** The key under which an effect's stored request keeps the deciding span's `traceparent`. */
const TRACE_KEY = "$traceparent";

/**
 * An effect's request as stored: with the `traceparent` of the span that decided it (an
 * object request only), so the events its outcome causes continue the saga's trace without a
 * column of their own. The performer never sees it (requestAndTrace takes it out).
 * @example storedRequest({ amountCents: 100 }, "00-...-01") // { amountCents: 100, $traceparent: "00-...-01" }
 */
export function storedRequest(request: unknown, traceparent: string | undefined): unknown {
  const plain = typeof request === "object" && request !== null && !Array.isArray(request);
  return traceparent && plain ? { ...request, [TRACE_KEY]: traceparent } : request;
}

/**
 * A stored request parsed back: the performer's request, and the span of this call, a child of
 * the one that decided it (same trace id): the performer sends it on (`traceHeaders`), the log
 * lines of the call carry it, and the events its outcome causes are its children.
 */
export function requestAndTrace(stored: unknown): { request: unknown; trace: TraceAttributes } {
  if (typeof stored !== "object" || stored === null || !(TRACE_KEY in stored))
    return { request: stored, trace: {} };
  const { [TRACE_KEY]: traceparent, ...request } = stored as Record<string, unknown>;
  const decided = parseTraceparent(traceparent);
  return { request, trace: decided ? traceAttributes(childOf(decided)) : {} };
}

/**
 * The headers that carry an effect's span to the other side (W3C `traceparent`), none when it
 * has no trace: a processor that traces joins the saga's trace.
 * @example fetch(url, { headers: { ...effectTraceHeaders(effect.trace), ... } })
 */
export function effectTraceHeaders(trace: TraceAttributes | undefined): Record<string, string> {
  const span = traceOf(trace);
  return span ? traceHeaders(span) : {};
}
