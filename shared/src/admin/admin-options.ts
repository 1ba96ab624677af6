import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody } from "../http/errors";
import type { Replayer } from "../inbox/replayers";
import type { OutboxRelay } from "../relay/outbox-relay";

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export interface KitAdminOptions<Env, T extends OutboxRelay<any> = OutboxRelay<any>> {
  /** The service's own D1 database. */
  d1: (env: Env) => D1Database;
  relay: (env: Env) => DurableObjectNamespace<T>;
  /**
   * Re-applies a dead letter's body (replay). Default: the inbox consumer created in this
   * Worker with `createInboxConsumer` (there is one per service).
   */
  replayer?: Replayer<Env>;
  /** The service makes effects (effects.ts): its trace shows them, and `/effects` lists them. */
  effects?: boolean;
}

/** An error answer in the API's shape, with a status the route's definition declares. */
export const refuse = <S extends ContentfulStatusCode>(
  c: Context,
  status: S,
  code: string,
  message: string,
) => c.json(errorBody(code, message), status);
