import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorBody } from "../http/errors";
import type { Replayer } from "../inbox/replayers";
import type { OutboxRelay } from "../relay/outbox-relay";

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export interface KitAdminOptions<Env, T extends OutboxRelay<any> = OutboxRelay<any>> {
  /**
   * The service's own D1 database. On a service with several shards (its SHARDS var) the
   * routes call it with each shard's env (`onShard`: `DB` is that shard's), so `env.DB` reads
   * every shard in turn.
   */
  d1: (env: Env) => D1Database;
  /** The relays' namespace: each shard's relay is `relayStub(namespace, shard)`. */
  relay: (env: Env) => DurableObjectNamespace<T>;
  /**
   * The env of each shard, in shard order. Default: the env itself on one shard, else
   * `everyShard(env)`; a Worker whose shards are not configured by SHARDS and `DB_<i>` says how.
   */
  shards?: (env: Env) => Env[];
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
