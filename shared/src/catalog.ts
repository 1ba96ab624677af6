import type { z } from "zod";
import { createEnvelope, type Envelope, type EnvelopeInit, EnvelopeSchema } from "./envelope";

/**
 * One older version of an event: the payload schema it had, and `up`, which turns such a
 * payload into the next version's (input) shape. Pure and deterministic: it runs on every
 * delivery, replay included, and a throw dead-letters the message.
 */
export interface Upcaster<From extends z.ZodType = z.ZodType, Next = unknown> {
  /** The payload schema of this older version, as its producers wrote it. */
  payload: From;
  /** This version's payload (validated) -> the next version's payload. */
  up: (payload: z.output<From>) => Next;
}

/** Upcasters keyed by the version they read; `upcasters[n].up` yields version n + 1. */
export type Upcasters = { readonly [version: number]: Upcaster<z.ZodType, unknown> };

/**
 * One event type: its payload schema, who produces it and who consumes it. Producer and
 * subscribers are separate type parameters so a catalog's type says exactly who consumes what
 * (the handler map each service owes, see `ServiceHandlers`).
 */
export interface EventDefinition<
  T extends string = string,
  S extends z.ZodType = z.ZodType,
  Producer extends string = string,
  Subscribers extends readonly string[] = readonly string[],
> {
  type: T;
  /** The newest version: what `create` writes and what consumers see. */
  version: number;
  producer: Producer;
  subscribers: Subscribers;
  /** Payload schema of `version`. */
  payload: S;
  /**
   * The envelope's `aggregateType` its events carry; required for an ordered handler, which
   * must consume every event type of its aggregate from that producer (inbox/ordered-check.ts).
   */
  aggregate?: string;
  /**
   * How older versions still on the wire (outboxes, queues, dead letters) become this one,
   * one step at a time: keys form a contiguous range ending at `version - 1`.
   */
  upcasters?: Upcasters;
}

/** `n + 1` for the version numbers a chain can hold (type level only). */
type NextVersion = [never, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
/** `P[N]`; inferred maps may key their properties "2" rather than 2. */
type At<P, N> = N extends keyof P
  ? P[N]
  : N extends number
    ? `${N}` extends keyof P
      ? P[`${N}`]
      : undefined
    : undefined;
/** The schema `upcasters[K].up` must produce: version K + 1 (another upcaster's, or the newest). */
type SchemaAfter<P, K, S extends z.ZodType> =
  At<P, At<NextVersion, K>> extends infer Next extends z.ZodType ? Next : S;
/**
 * Types a chain from its payload schemas `P` (version -> schema): each `up` reads its
 * version's output and must return the next version's input.
 */
export type UpcasterChain<P, S extends z.ZodType> = {
  [K in keyof P]: P[K] extends z.ZodType ? Upcaster<P[K], z.input<SchemaAfter<P, K, S>>> : never;
};

function checkUpcasters(def: EventDefinition): void {
  const versions = Object.keys(def.upcasters ?? {})
    .map(Number)
    .sort((a, b) => a - b);
  if (!Number.isInteger(def.version) || def.version < 1)
    throw new Error(`${def.type}: version must be a positive integer`);
  if (versions.length === 0) return;
  const oldest = versions[0] ?? 1;
  const expected = Array.from({ length: def.version - oldest }, (_, i) => oldest + i);
  if (oldest < 1 || versions.join() !== expected.join()) {
    throw new Error(
      `${def.type}: upcasters must cover versions ${oldest}..${def.version - 1} without gaps, got ${versions.join(", ")}`,
    );
  }
}

/**
 * Declares an event type. Producer and subscribers are inferred as literals (subscribers as a
 * readonly tuple), so routing, and each service's handler map, is type-checked.
 * An event at version 2 or more may keep reading older versions through `upcasters`.
 * @example defineEvent({ type: "ThingHappened", version: 2, producer: "things",
 *   subscribers: ["stats"], payload: z.object({ size: z.object({ cm: z.number() }) }),
 *   upcasters: { 1: { payload: z.object({ sizeCm: z.number() }), up: (v1) => ({ size: { cm: v1.sizeCm } }) } } })
 */
export function defineEvent<
  const T extends string,
  S extends z.ZodType,
  const Producer extends string,
  const Subscribers extends readonly string[],
  // biome-ignore lint/complexity/noBannedTypes: "no upcasters" is the empty map
  P extends { [version: number]: z.ZodType } = {},
>(
  def: Omit<EventDefinition<T, S, Producer, Subscribers>, "upcasters"> & {
    upcasters?: UpcasterChain<P, S>;
  },
): EventDefinition<T, S, Producer, Subscribers> {
  checkUpcasters(def as EventDefinition);
  return def as EventDefinition<T, S, Producer, Subscribers>;
}

type DefsOf<C> = C extends Catalog<infer D> ? D : never;
type DefByType<D extends readonly EventDefinition[], T> = Extract<D[number], { type: T }>;
/** Payload type of event `T` in catalog `C`. */
export type PayloadOf<C, T extends string> = z.infer<DefByType<DefsOf<C>, T>["payload"]>;
/** Fully typed envelope of event `T` in catalog `C`. */
export type EventOf<C, T extends string> = Envelope<PayloadOf<C, T>> & { type: T };
/** Event type names of catalog `C`. */
export type EventTypeOf<C> = DefsOf<C>[number]["type"];
/** Whether an event with subscribers `Sub` goes to `S`; "maybe" if either is widened to string. */
type Routing<Sub, S> = string extends Sub | S ? "maybe" : S extends Sub ? "yes" : "no";
/**
 * `consumedBy(S)` at the type level: the event types catalog `C` routes to service `S`. With
 * `R` "maybe": those its types cannot tell (subscribers typed `string[]`, not from `defineEvent`).
 */
export type ConsumedBy<
  C,
  S extends string,
  R extends "yes" | "maybe" = "yes",
> = DefsOf<C>[number] extends infer D
  ? D extends { type: infer T extends string; subscribers: readonly (infer Sub)[] }
    ? Routing<Sub, S> extends R
      ? T
      : never
    : never
  : never;

/** The event types catalog `C` says service `S` produces. */
export type ProducedBy<C, S extends string> = DefsOf<C>[number] extends infer D
  ? D extends { type: infer T extends string; producer: infer P }
    ? S extends P
      ? T
      : never
    : never
  : never;

export type ParseResult =
  | { ok: true; event: Envelope }
  | { ok: false; reason: string; eventId?: string; eventType?: string };

export interface Catalog<D extends readonly EventDefinition[] = readonly EventDefinition[]> {
  readonly definitions: D;
  /** The services that get event `type`; the relay routes from this. */
  subscribersOf(type: string): readonly string[];
  /** Event types a service consumes. */
  consumedBy(service: string): string[];
  /**
   * Validates an incoming message body: envelope shape, known type, payload schema. An
   * older version with upcasters is validated against its own schema, upcast step by step
   * and validated again as the newest, so the event returned is always the newest version.
   */
  parse(body: unknown): ParseResult;
  /**
   * Builds a validated envelope for event `type`; the producer comes from the catalog.
   * Throws if the payload does not match, so an invalid event never reaches the outbox.
   */
  create<T extends D[number]["type"]>(
    type: T,
    init: Omit<EnvelopeInit<z.input<DefByType<D, T>["payload"]>>, "type" | "source" | "version">,
  ): Envelope<z.infer<DefByType<D, T>["payload"]>> & { type: T };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

type PayloadRead = { ok: true; payload: unknown } | { ok: false; reason: string };

/** `payload` as written at `version`, read as the newest version of `def`. */
function readPayload(def: EventDefinition, version: number, payload: unknown): PayloadRead {
  const upcasters = def.upcasters ?? {};
  if (version !== def.version && !upcasters[version]) {
    const known = [...Object.keys(upcasters), String(def.version)].join(", ");
    return {
      ok: false,
      reason: `unsupported version ${version} of ${def.type} (known: ${known})`,
    };
  }
  let current = payload;
  for (let v = version; v < def.version; v++) {
    // Present for every v here: checkUpcasters made the range contiguous up to def.version - 1.
    const step = upcasters[v] as Upcaster;
    const parsed = step.payload.safeParse(current);
    if (!parsed.success) {
      const what = v === version ? "payload" : `payload after upcasting from v${version}`;
      return {
        ok: false,
        reason: `invalid ${def.type} v${v} ${what}: ${describeIssues(parsed.error)}`,
      };
    }
    try {
      current = step.up(parsed.data);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, reason: `upcasting ${def.type} v${v} to v${v + 1} threw: ${message}` };
    }
  }
  const parsed = def.payload.safeParse(current);
  if (!parsed.success) {
    const what =
      version === def.version
        ? `${def.type} payload`
        : `${def.type} payload (upcast from v${version} to v${def.version})`;
    return { ok: false, reason: `invalid ${what}: ${describeIssues(parsed.error)}` };
  }
  return { ok: true, payload: parsed.data };
}

/**
 * Collects event definitions into the catalog every service routes and validates with.
 * @example const catalog = defineCatalog([ThingHappened, ThingRemoved]);
 */
export function defineCatalog<const D extends readonly EventDefinition[]>(
  definitions: D,
): Catalog<D> {
  const byType = new Map<string, EventDefinition>();
  for (const def of definitions) {
    if (byType.has(def.type)) throw new Error(`event type ${def.type} is defined twice`);
    checkUpcasters(def);
    byType.set(def.type, def);
  }
  return {
    definitions,
    subscribersOf: (type) => byType.get(type)?.subscribers ?? [],
    consumedBy: (service) =>
      definitions.filter((d) => d.subscribers.includes(service)).map((d) => d.type),
    parse(body) {
      const envelope = EnvelopeSchema.safeParse(body);
      const raw = (typeof body === "object" && body !== null ? body : {}) as Record<
        string,
        unknown
      >;
      const eventId = typeof raw.id === "string" ? raw.id : undefined;
      const eventType = typeof raw.type === "string" ? raw.type : undefined;
      if (!envelope.success) {
        return {
          ok: false,
          eventId,
          eventType,
          reason: `invalid envelope: ${describeIssues(envelope.error)}`,
        };
      }
      const def = byType.get(envelope.data.type);
      if (!def)
        return {
          ok: false,
          eventId,
          eventType,
          reason: `unknown event type ${envelope.data.type}`,
        };
      const read = readPayload(def, envelope.data.version, envelope.data.payload);
      if (!read.ok) return { ok: false, eventId, eventType, reason: read.reason };
      return {
        ok: true,
        event: { ...envelope.data, version: def.version, payload: read.payload },
      };
    },
    create(type, init) {
      const def = byType.get(type);
      if (!def) throw new Error(`unknown event type ${type}`);
      const payload = def.payload.parse(init.payload);
      const envelope = createEnvelope({
        ...init,
        type,
        source: def.producer,
        version: def.version,
        payload,
      });
      // The typed signature above is the contract; the schema parse just made it true.
      return envelope as never;
    },
  };
}
