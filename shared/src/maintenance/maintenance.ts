import { env } from "cloudflare:workers";
import { errorText } from "../db/types";
import { type Logger, loggerFor } from "../log/logger";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { pruneRetention, type RetentionOptions } from "../retention/retention";

export interface MaintenanceOptions {
  /** How long published outbox rows and processed inbox rows are kept (see `pruneRetention`). */
  retention?: RetentionOptions;
  /** Where the run is logged. Default: the Worker's logger (its `LOG_LEVEL` var). */
  log?: Logger;
}

/**
 * The cron safety net: poke the relay (an event whose poke was lost still leaves
 * within a minute) and prune old rows. One `info` line per run.
 * @example scheduled: (_, env, ctx) => ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY))
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function runMaintenance<T extends OutboxRelay<any>>(
  db: D1Database,
  relay: DurableObjectNamespace<T>,
  options: MaintenanceOptions = {},
): Promise<{ outbox: number; inbox: number }> {
  const log = options.log ?? loggerFor(env);
  try {
    // Unlike a commit's poke, the cron's also cuts a backoff short (never lost to a fault).
    await relayStub(relay).poke({ maintenance: true });
  } catch (error) {
    log.error("maintenance could not poke relay", { error: errorText(error) });
  }
  const pruned = await pruneRetention(db, options.retention);
  log.info("maintenance ran", { pruned });
  return pruned;
}
