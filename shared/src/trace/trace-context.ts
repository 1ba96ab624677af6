/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/), the rules: parse a `traceparent`
 * header, format one, start a trace, and make a child span of one. Events carry it as the
 * CloudEvents distributed tracing extension (`traceparent`, `tracestate` on the envelope), so
 * one saga is one trace id across every service. Pure and Workers/Node-free: only Web Crypto's
 * `getRandomValues`, which both have.
 */

/** One span's context: the trace it belongs to, its own id, and what travels with it. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero: the span that is the parent of what comes next. */
  spanId: string;
  /** The trace flags byte as 2 hex digits (`01`: sampled). */
  flags: string;
  /** Vendor data (`tracestate`), carried unchanged; absent when there was none or it was invalid. */
  tracestate?: string;
}

/** The header and envelope attribute names (CloudEvents distributed tracing extension). */
export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";

const TRACEPARENT_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after the flags; its first four read like version 00's.
const TRACEPARENT_LATER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;
// Printable ASCII without a comma-free check per member: enough to keep junk out of logs.
const TRACESTATE_TEXT = /^[\x20-\x7e]{0,512}$/;
const TRACESTATE_MAX_MEMBERS = 32;

/**
 * The context a `traceparent` names, or undefined when it is missing or malformed (the spec:
 * a receiver ignores an invalid one and starts anew). `tracestate` is kept only with a valid
 * parent and when it is printable, at most 512 characters and 32 members.
 * @example parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
 * // { traceId: "4bf92f35...", spanId: "00f067aa0ba902b7", flags: "01" }
 */
export function parseTraceparent(value: unknown, tracestate?: unknown): TraceContext | undefined {
  if (typeof value !== "string") return undefined;
  const header = value.trim();
  let parts: string[] | undefined;
  const v00 = TRACEPARENT_00.exec(header);
  if (v00) parts = [v00[1] as string, v00[2] as string, v00[3] as string];
  else {
    const later = TRACEPARENT_LATER.exec(header);
    // Version ff is forbidden; 00 must match exactly (no trailing fields).
    if (later && later[1] !== "ff" && later[1] !== "00")
      parts = [later[2] as string, later[3] as string, later[4] as string];
  }
  if (!parts) return undefined;
  const [traceId, spanId, flags] = parts as [string, string, string];
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return undefined;
  const state = validTracestate(tracestate);
  return { traceId, spanId, flags, ...(state === undefined ? {} : { tracestate: state }) };
}

function validTracestate(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const state = value.trim();
  if (state === "" || !TRACESTATE_TEXT.test(state)) return undefined;
  return state.split(",").length <= TRACESTATE_MAX_MEMBERS ? state : undefined;
}

/**
 * The `traceparent` of a context (version 00).
 * @example formatTraceparent({ traceId: "4bf9...4736", spanId: "00f067aa0ba902b7", flags: "01" })
 * // "00-4bf9...4736-00f067aa0ba902b7-01"
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = "";
  for (const byte of buffer) hex += byte.toString(16).padStart(2, "0");
  // All zero is invalid; 2^-64 at worst, but cheap to rule out.
  return ALL_ZERO.test(hex) ? randomHex(bytes) : hex;
}

/** A new random span id (16 hex digits). */
export const newSpanId = (): string => randomHex(8);

/**
 * A new trace: a random trace id and root span, sampled (what a request without a valid
 * `traceparent` gets).
 * @example newTraceContext().traceId.length // 32
 */
export function newTraceContext(): TraceContext {
  return { traceId: randomHex(16), spanId: newSpanId(), flags: "01" };
}

/**
 * A span caused by `parent`: the same trace, flags and tracestate, a new span id. What a
 * service's work for a request or an event is, and so the parent of the events it emits.
 * @example childOf(parent).traceId === parent.traceId // true, with a new spanId
 */
export function childOf(parent: TraceContext): TraceContext {
  return { ...parent, spanId: newSpanId() };
}

/**
 * The span of work a request asks for: a child of its valid `traceparent`, else a new trace.
 * @example requestTraceContext(request.headers)
 */
export function requestTraceContext(headers: Headers): TraceContext {
  const parent = parseTraceparent(headers.get(TRACEPARENT), headers.get(TRACESTATE));
  return parent ? childOf(parent) : newTraceContext();
}

/** The headers that hand `context` on to the next hop. */
export function traceHeaders(context: TraceContext): Record<string, string> {
  return {
    [TRACEPARENT]: formatTraceparent(context),
    ...(context.tracestate ? { [TRACESTATE]: context.tracestate } : {}),
  };
}

/** Envelope attributes of the CloudEvents distributed tracing extension. */
export interface TraceAttributes {
  traceparent?: string;
  tracestate?: string;
}

/** The context an event's envelope carries, if it carries a valid one. */
export function traceOf(event: TraceAttributes | undefined): TraceContext | undefined {
  return parseTraceparent(event?.traceparent, event?.tracestate);
}

/** The envelope attributes of `context`. */
export function traceAttributes(
  context: TraceContext,
): Required<Pick<TraceAttributes, "traceparent">> & TraceAttributes {
  return {
    traceparent: formatTraceparent(context),
    ...(context.tracestate ? { tracestate: context.tracestate } : {}),
  };
}

/**
 * Events as written to the outbox: each without a valid trace context of its own gets
 * `context` (the request's or the consuming span's); one that has one keeps it. In place, and
 * returned: the same objects are the outbox rows' bodies and what a poke hands the relay.
 * @example stampTrace([event], requestTraceContext(headers))
 */
export function stampTrace<E extends TraceAttributes>(
  events: readonly E[],
  context: TraceContext | undefined,
): readonly E[] {
  if (!context) return events;
  for (const event of events) if (!traceOf(event)) Object.assign(event, traceAttributes(context));
  return events;
}

/**
 * The event as one consumer processes it: its trace context is a new span, child of the
 * producer's, so whatever the handler emits is that span's child (same trace id, new parent).
 * An event without a valid context is returned as it is.
 */
export function processedIn<E extends TraceAttributes>(event: E): E {
  const producer = traceOf(event);
  return producer ? { ...event, ...traceAttributes(childOf(producer)) } : event;
}

/** A span's identity, as a link or a log field names it. */
export type SpanRef = { traceId: string; spanId: string };

/** A span of work and the spans it links to (causes that are not its parent). */
export interface LinkedSpan {
  span: TraceContext;
  links: SpanRef[];
}

/**
 * The span of work that continues a saga from outside its events (a customer's cancel, the
 * saga's deadline): a child of the saga's own context, so what it emits keeps the saga's one
 * trace id. The request that asked for it, when it belongs to another trace, is a link
 * (OpenTelemetry: a cause that is not the parent), never a second trace id for the saga.
 * Without a saga context (an order older than tracing), the request's span, else a new trace.
 * @example continueSaga(traceOf(orderPlaced), requestTraceContext(headers)).span.traceId // the saga's
 */
export function continueSaga(saga: TraceContext | undefined, request?: TraceContext): LinkedSpan {
  if (!saga) return { span: request ?? newTraceContext(), links: [] };
  const links = request && request.traceId !== saga.traceId ? [traceLogFields(request)] : [];
  return { span: childOf(saga), links: links as SpanRef[] };
}

/** The log fields of a span (`traceId`, `spanId`), or none. */
export function traceLogFields(
  context: TraceContext | undefined,
): { traceId: string; spanId: string } | Record<string, never> {
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
}

/**
 * OpenTelemetry span links to every distinct producer span of a batch (messaging conventions:
 * a batch's processing links to each message's creation context).
 */
export function linksOf(
  events: readonly (TraceAttributes | undefined)[],
): { traceId: string; spanId: string }[] {
  const seen = new Map<string, { traceId: string; spanId: string }>();
  for (const event of events) {
    const context = traceOf(event);
    if (context) seen.set(`${context.traceId}-${context.spanId}`, traceLogFields(context) as never);
  }
  return [...seen.values()];
}
