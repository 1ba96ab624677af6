import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { deliver } from "./index";

/** A service's Worker (its entry's default export), whatever its Env. */
interface ShardedWorker {
  fetch(request: Request, env: never, ctx: ExecutionContext): Response | Promise<Response>;
  queue?(batch: MessageBatch, env: never, ctx: ExecutionContext): void | Promise<void>;
}

/**
 * A service's Worker run on `shards` shards within a test whose runtime has one: its env with
 * SHARDS set (the test project binds the databases `DB_1` ...), calls to its fetch and queue
 * handlers with that env, and the relays it poked, by name. The relays are recorded, not reached:
 * a relay reads the runtime's env, whose SHARDS is unset, so a shard other than 0 has none.
 * @example const svc = onShards(worker, env, 2); await svc.fetch("/orders/x/payment");
 */
export function onShards(
  worker: ShardedWorker,
  env: { OUTBOX_RELAY: { idFromName(name: string): DurableObjectId } },
  shards: number,
) {
  const relays: string[] = [];
  const recorder = {
    idFromName: (name: string) => {
      relays.push(name);
      return env.OUTBOX_RELAY.idFromName(name);
    },
    get: () => ({ poke: async () => {} }),
  };
  const sharded = { ...env, SHARDS: String(shards), OUTBOX_RELAY: recorder } as never;
  return {
    env: sharded,
    /** The relay names poked, in order ("outbox-relay", "outbox-relay:shard-1" ...). */
    relays,
    async fetch(path: string, init?: RequestInit): Promise<Response> {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`http://service${path}`, init), sharded, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    },
    deliver: (queue: string, bodies: unknown[]) =>
      deliver(worker as ExportedHandler<never>, sharded, queue, bodies),
  };
}
