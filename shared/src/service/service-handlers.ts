import type { Catalog, EventOf } from "../catalog";
import type { EventHandler } from "../inbox/inbox-consumer";

type DefinitionOf<C> = C extends Catalog<infer D> ? D[number] : never;
type IsUnion<U, All = U> = U extends unknown ? ([All] extends [U] ? false : true) : never;

/**
 * Event types the catalog's types route to service `S`. `defineEvent` infers one union for
 * producer and subscribers together, so an event whose producer type is that union is only
 * "touching" `S` (S may be its producer); one whose producer type is a single literal (no
 * subscribers, or a catalog that keeps the two apart) is known exactly.
 */
type Touching<C, S extends string> =
  DefinitionOf<C> extends infer D
    ? D extends { type: infer T extends string; subscribers: readonly (infer Sub)[] }
      ? S extends Sub
        ? T
        : never
      : never
    : never;
type KnownConsumed<C, S extends string> =
  DefinitionOf<C> extends infer D
    ? D extends {
        type: infer T extends string;
        producer: infer P;
        subscribers: readonly (infer Sub)[];
      }
      ? true extends IsUnion<P>
        ? never
        : S extends Sub
          ? S extends P
            ? never
            : T
          : never
      : never
    : never;

/**
 * The handler map of service `S`: one handler per event type it consumes, each typed with its
 * event. A handler for a type the catalog does not route to `S`, or for the wrong event, does
 * not compile; a missing one does not compile where the catalog's types say exactly who
 * subscribes, and otherwise `defineService` refuses it when the Worker loads.
 */
export type ServiceHandlers<C, S extends string, Env> = {
  [T in KnownConsumed<C, S>]: EventHandler<Env, EventOf<C, T>>;
} & {
  [T in Exclude<Touching<C, S>, KnownConsumed<C, S>>]?: EventHandler<Env, EventOf<C, T>>;
};

/**
 * `H`, checked against `Allowed` with no keys beyond its: an extra handler is a compile error
 * even from a variable. NoInfer: `H` is inferred from the value alone, then checked.
 */
export type Exactly<H, Allowed> = H &
  NoInfer<Allowed & Record<Exclude<keyof H, keyof Allowed>, never>>;
