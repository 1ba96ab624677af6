import type { TraceAttributes } from "./trace-context";

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

/** A stored request parsed back: the performer's request, and the trace it was decided in. */
export function requestAndTrace(stored: unknown): { request: unknown; trace: TraceAttributes } {
  if (typeof stored !== "object" || stored === null || !(TRACE_KEY in stored))
    return { request: stored, trace: {} };
  const { [TRACE_KEY]: traceparent, ...request } = stored as Record<string, unknown>;
  return { request, trace: typeof traceparent === "string" ? { traceparent } : {} };
}
