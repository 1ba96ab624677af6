import { env as workerEnv } from "cloudflare:workers";
import { errorText } from "../db/types";
import type { Envelope } from "../envelope";
import { loggerFor } from "../log/logger";
import type { OutboxRelay } from "./outbox-relay";

/**
 * A service's relays, one per shard: their names, stubs and pokes, and the shard a relay's
 * messages name so that receipts come back to its outbox.
 */
/**
 * Asks the relay of a service's shard to drain now, handing over the events just committed
 * (it sends them without reading them back). Never throws: the cron safety net covers a lost poke.
 * @example await pokeRelay(env.OUTBOX_RELAY, decision.events, { shard: env.SHARD })
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function pokeRelay<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
  events?: Envelope[],
  options: { due?: boolean; shard?: number } = {},
): Promise<void> {
  try {
    await relayStub(namespace, options.shard).poke({
      ...(events?.length ? { events } : {}),
      ...(options.due ? { due: true } : {}),
    });
  } catch (error) {
    loggerFor(workerEnv).warn("relay poke lost; cron will catch up", { error: errorText(error) });
  }
}

const RELAY_NAME = "outbox-relay";

/** The name of `shard`'s relay: shard 0 keeps the name of the single relay of before shards. */
export function relayNameOf(shard: number): string {
  return shard === 0 ? RELAY_NAME : `${RELAY_NAME}:shard-${shard}`;
}

/** The shard a relay of `relayNameOf` serves (0 for any other name). */
export function shardOfRelayName(name: string | undefined): number {
  const shard = name?.startsWith(`${RELAY_NAME}:shard-`)
    ? Number(name.slice(RELAY_NAME.length + 7))
    : 0;
  return Number.isInteger(shard) && shard > 0 ? shard : 0;
}

/** The stub of the relay of one shard of a service (shard 0: its only one when unsharded). */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function relayStub<T extends OutboxRelay<any>>(
  namespace: DurableObjectNamespace<T>,
  shard = 0,
): DurableObjectStub<T> {
  return namespace.get(namespace.idFromName(relayNameOf(shard)));
}

/**
 * Messages from a shard's relay say which shard sent them (`sourceShard`, absent for shard 0):
 * the subscriber's receipt must reach that shard's outbox.
 */
export function tagShard(messages: MessageSendRequest[], shard: number): MessageSendRequest[] {
  if (shard === 0) return messages;
  return messages.map((m) =>
    typeof m.body === "object" && m.body !== null
      ? { ...m, body: { ...(m.body as object), sourceShard: shard } }
      : m,
  );
}
