import type { ConsumedBy, EventOf, ProducedBy } from "../catalog";
import type { EventHandler } from "../inbox/inbox-consumer";

/**
 * The handler map of service `S`: exactly one handler per event type catalog `C` routes to it,
 * each typed with its event. A missing handler, or one for the wrong event, does not compile;
 * with `Exactly`, neither does one for a type not routed to `S`. Events whose subscribers'
 * types are widened to `string` (a catalog not built with `defineEvent`) may have a handler:
 * `defineService` checks those when the Worker loads.
 */
export type ServiceHandlers<C, S extends string, Env> = {
  [T in ConsumedBy<C, S>]: EventHandler<Env, EventOf<C, T>>;
} & {
  [T in ConsumedBy<C, S, "maybe">]?: EventHandler<Env, EventOf<C, T>>;
};

/**
 * `H`, checked against `Allowed` with no keys beyond its: an extra handler is a compile error
 * even from a variable. NoInfer: `H` is inferred from the value alone, then checked.
 */
export type Exactly<H, Allowed> = H &
  NoInfer<Allowed & Record<Exclude<keyof H, keyof Allowed>, never>>;

/**
 * Handlers for events service `S` produces and reads back from its own inbox (self-read: a
 * request sends the event to every subscriber and to `S`, which applies it when it consumes
 * it). The relay never sends a producer its own events; only the service itself does.
 */
export type OwnEventHandlers<C, S extends string, Env> = {
  [T in ProducedBy<C, S>]?: EventHandler<Env, EventOf<C, T>>;
};
