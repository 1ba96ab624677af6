import type { Catalog } from "../catalog";
import type { AnyD1Database, Statement } from "../db/types";
import type { EffectIntent } from "../effects/effects";
import type { Envelope } from "../envelope";
import type { AnyRelayNamespace } from "./consumer-faults";

/** What applying one event does: state changes and the events they cause, committed as one batch. */
export interface Decision {
  statements?: Statement[];
  events?: Envelope[];
  /** Calls outside the database this decides: recorded here, made by the relay (effects.ts). */
  effects?: EffectIntent[];
}

/**
 * A handler reads what it needs and returns the writes to commit. It may return
 * alternatives: each is tried in order, and one refused by a database constraint
 * (CHECK, UNIQUE) falls through to the next, e.g. `[reserveAll, reportOutOfStock]`.
 * Its reads through `db` are sent together with the other handlers' of the same round
 * (see coalesced-reads.ts): write it as if it ran alone.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its own event type
export type EventHandler<Env, E extends Envelope = any> = (
  event: E,
  context: { db: AnyD1Database; env: Env },
) => Promise<Decision | Decision[]> | Decision | Decision[];

export interface InboxConsumerOptions<Env extends { DB: D1Database }> {
  /** Name of the consuming service, as in the catalog's subscribers. */
  service: string;
  catalog: Pick<Catalog, "parse" | "subscribersOf">;
  /** The service's drizzle database over `env.DB` (the consumer hands it a coalescing `DB`). */
  db: (env: Env) => AnyD1Database;
  /** One handler per event type this service consumes. */
  handlers: Record<string, EventHandler<Env>>;
  /**
   * Called with the events a batch committed, to get them moving (`pokeRelay`); `effects`:
   * it also recorded effects, which the relay makes.
   */
  afterCommit?: (env: Env, events: Envelope[], committed?: { effects: boolean }) => Promise<void>;
  /** Deliveries before a failing message is dead-lettered; match the queue's `max_retries + 1`. */
  maxAttempts?: number;
  /** Messages applied one by one (out of their group) at once. Default 8. */
  concurrency?: number;
  /**
   * Which messages must be applied one after another: those with the same key. Default: the
   * correlation id (one saga). A service whose rows are per customer, say, keys by customer.
   */
  serializeBy?: (event: Partial<Envelope>) => string | undefined;
  /** Backoff between retries of a failing message. Default: `RETRY_POLICIES.delivery`. */
  retryDelaySeconds?: (attempts: number) => number;
  /** Most statements in one group commit (D1 counts each against an invocation's queries). */
  maxStatementsPerCommit?: number;
  /** The service's relay, which holds the fault plan. Default: the env's only DO namespace. */
  relay?: (env: Env) => AnyRelayNamespace;
  /**
   * Where the receipts for a producer's events go (see receipts.ts). Default: the producer's
   * inbox queue bound as `<PRODUCER>_INBOX`, e.g. `ORDER_INBOX`.
   */
  receiptQueue?: (env: Env, producer: string) => Queue | undefined;
}

export type Outcome = "applied" | "duplicate" | "dead-lettered" | "retried";

/** What applying one event came to, and what it set moving. */
export type Applied = { outcome: "applied" | "duplicate"; events: Envelope[]; effects?: boolean };

/** A message whose body is a valid event this service consumes. */
export interface Delivery {
  message: Message;
  event: Envelope;
}

/** A delivery decided in its round. */
export interface Decided extends Delivery {
  decision: Decision;
}

/** What a committed decision sets moving: its events, and whether it recorded effects. */
export function emittedBy(decision: Decision): { events: Envelope[]; effects: boolean } {
  return { events: decision.events ?? [], effects: (decision.effects?.length ?? 0) > 0 };
}
