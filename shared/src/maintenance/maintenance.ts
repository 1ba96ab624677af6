import { errorText } from "../db/types";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { pruneRetention, type RetentionOptions } from "../retention/retention";

/**
 * The cron safety net: poke the relay (an event whose poke was lost still leaves
 * within a minute) and prune old rows.
 * @example scheduled: (_, env, ctx) => ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY))
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function runMaintenance<T extends OutboxRelay<any>>(
  db: D1Database,
  relay: DurableObjectNamespace<T>,
  retention: RetentionOptions = {},
): Promise<{ outbox: number; inbox: number }> {
  try {
    // Unlike a commit's poke, the cron's also cuts a backoff short (never lost to a fault).
    await relayStub(relay).poke({ maintenance: true });
  } catch (error) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "maintenance could not poke relay",
        error: errorText(error),
      }),
    );
  }
  const pruned = await pruneRetention(db, retention);
  console.log(JSON.stringify({ level: "info", msg: "maintenance ran", pruned }));
  return pruned;
}
