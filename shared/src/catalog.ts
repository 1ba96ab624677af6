import type { z } from "zod";
import { createEnvelope, type Envelope, type EnvelopeInit, EnvelopeSchema } from "./envelope";

/** One event type: its payload schema, who produces it and who consumes it. */
export interface EventDefinition<
  T extends string = string,
  S extends z.ZodType = z.ZodType,
  Svc extends string = string,
> {
  type: T;
  version: number;
  producer: Svc;
  subscribers: readonly Svc[];
  payload: S;
}

/** Declares an event type. Keep producer and subscribers literal so routing is type-checked. */
export function defineEvent<const T extends string, S extends z.ZodType, const Svc extends string>(
  def: EventDefinition<T, S, Svc>,
): EventDefinition<T, S, Svc> {
  return def;
}

type DefsOf<C> = C extends Catalog<infer D> ? D : never;
type DefByType<D extends readonly EventDefinition[], T> = Extract<D[number], { type: T }>;
/** Payload type of event `T` in catalog `C`. */
export type PayloadOf<C, T extends string> = z.infer<DefByType<DefsOf<C>, T>["payload"]>;
/** Fully typed envelope of event `T` in catalog `C`. */
export type EventOf<C, T extends string> = Envelope<PayloadOf<C, T>> & { type: T };
/** Event type names of catalog `C`. */
export type EventTypeOf<C> = DefsOf<C>[number]["type"];

export type ParseResult =
  | { ok: true; event: Envelope }
  | { ok: false; reason: string; eventId?: string; eventType?: string };

export interface Catalog<D extends readonly EventDefinition[] = readonly EventDefinition[]> {
  readonly definitions: D;
  /** The services that get event `type`; the relay routes from this. */
  subscribersOf(type: string): readonly string[];
  /** Event types a service consumes. */
  consumedBy(service: string): string[];
  /** Validates an incoming message body: envelope shape, known type, payload schema. */
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
      if (envelope.data.version !== def.version) {
        return {
          ok: false,
          eventId,
          eventType,
          reason: `unsupported version ${envelope.data.version} of ${def.type} (expected ${def.version})`,
        };
      }
      const payload = def.payload.safeParse(envelope.data.payload);
      if (!payload.success) {
        return {
          ok: false,
          eventId,
          eventType,
          reason: `invalid ${def.type} payload: ${describeIssues(payload.error)}`,
        };
      }
      return { ok: true, event: { ...envelope.data, payload: payload.data } };
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
