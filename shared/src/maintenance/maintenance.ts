import { env } from "cloudflare:workers";
import { errorText } from "../db/types";
import { sweepOrderedGaps } from "../inbox/ordered-sweep";
import { type Logger, loggerFor } from "../log/logger";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";
import { type Pruned, pruneRetention, type RetentionOptions } from "../retention/retention";

/** How long rows are kept (see `pruneRetention`), and where the run is logged. */
export interface MaintenanceOptions extends RetentionOptions {
  /** Default: the Worker's logger (its `LOG_LEVEL` var). */
  log?: Logger;
  /** The shard `db` is, whose relay is poked (default 0: a service on one database). */
  shard?: number;
  /** The service has ordered handlers: held events past their wait become dead letters. */
  orderedGaps?: boolean;
}

/**
 * The cron safety net: poke the relay (an event whose poke was lost still leaves
 * within a minute) and prune old rows within the run's budget (retention.ts). One `info` line
 * per run.
 * @example scheduled: (_, env, ctx) => ctx.waitUntil(runMaintenance(env.DB, env.OUTBOX_RELAY))
 * @example runMaintenance(env.DB, env.OUTBOX_RELAY, { outboxRetentionMs: 3 * 86_400_000 })
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export async function runMaintenance<T extends OutboxRelay<any>>(
  db: D1Database,
  relay: DurableObjectNamespace<T>,
  { log = loggerFor(env), shard = 0, orderedGaps, ...retention }: MaintenanceOptions = {},
): Promise<Pruned> {
  try {
    // Unlike a commit's poke, the cron's also cuts a backoff short (never lost to a fault).
    await relayStub(relay, shard).poke({ maintenance: true });
  } catch (error) {
    log.error("maintenance could not poke relay", { error: errorText(error) });
  }
  const gaps = orderedGaps ? await sweepOrderedGaps(db) : 0;
  if (gaps > 0) log.warn("ordered gaps given up: held events dead-lettered", { events: gaps });
  const { more, ...pruned } = await pruneRetention(db, retention);
  // `more`: the run's budget ended before the backlog did; the next minute's run goes on.
  log.info("maintenance ran", { pruned, more, ...(shard > 0 ? { shard } : {}) });
  return pruned;
}
