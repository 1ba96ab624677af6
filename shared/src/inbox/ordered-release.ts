import { eq, sql } from "drizzle-orm";
import type { Catalog } from "../catalog";
import { inbox } from "../db/kit-schema";
import { type AnyD1Database, errorText } from "../db/types";
import type { Envelope } from "../envelope";
import type { Logger } from "../log/logger";
import { applyAlone } from "./conflict-retry";
import type { EventHandler, InboxConsumerOptions } from "./consumer-types";
import { checkOrdered } from "./ordered-check";
import { isOrdered, keyOf, withStatementsFirst } from "./ordered-handler";
import { orderedHeld } from "./ordered-schema";

/**
 * Ordered apply's consumer stage: once a batch's rounds are done, the held successors of the
 * aggregates it applied apply in sequence, in the same batch (each on a fresh read, committed
 * alone). A hold commits only while its gap is open (ordered-schema.ts) and this looks after
 * the commit that filled it, so no held event is left behind a filled gap.
 */

/** Most held events one aggregate releases per batch; the next batch of that aggregate goes on. */
const RELEASES_PER_AGGREGATE = 100;

interface HeldRow {
  source: string;
  aggregateType: string;
  aggregateId: string;
  body: string;
}

/**
 * The stage for `options`' handlers, or undefined when none is ordered (unordered consumers
 * keep their path and their D1 calls). Checks the ordered ones against the catalog.
 */
export function orderedRelease<Env extends { DB: D1Database }>(
  options: Pick<
    InboxConsumerOptions<Env>,
    "service" | "catalog" | "db" | "handlers" | "afterCommit"
  >,
) {
  const ordered = new Set(
    Object.entries(options.handlers)
      .filter(([, handler]) => isOrdered(handler))
      .map(([type]) => type),
  );
  if (ordered.size === 0) return undefined;
  if ("definitions" in options.catalog)
    checkOrdered(
      options.catalog as Pick<Catalog, "definitions">,
      options.service,
      options.handlers,
    );
  // A release's commit replaces the held event's inbox row (written when it was held).
  const releasing = (handler: EventHandler<Env>) =>
    withStatementsFirst(handler, (db, event) => [
      db.delete(inbox).where(eq(inbox.eventId, event.id)),
      db.delete(orderedHeld).where(eq(orderedHeld.eventId, event.id)),
    ]);

  /** Applies the held successors of the batch's events it `applied` (or held), in order. */
  return async function releaseHeld(
    deliveries: readonly { event: Envelope }[],
    applied: ReadonlySet<string>,
    env: Env,
    log: Logger,
  ) {
    const keys = new Map<string, ReturnType<typeof keyOf>>();
    for (const { event } of deliveries)
      if (ordered.has(event.type) && applied.has(event.id))
        keys.set(JSON.stringify(keyOf(event)), keyOf(event));
    if (keys.size === 0) return;
    const db = options.db(env);
    const emitted: Envelope[] = [];
    let effects = false;
    for (let next = await releasable(db, [...keys.values()]); next.length > 0; ) {
      const row = next.shift() as HeldRow;
      let released = 0;
      for (let held: HeldRow | undefined = row; held && released < RELEASES_PER_AGGREGATE; ) {
        const event = JSON.parse(held.body) as Envelope;
        const handler = options.handlers[event.type];
        if (!handler || !isOrdered(handler)) break;
        try {
          const alone = releasing(handler);
          const first = await alone(event, { db, env });
          const result = await applyAlone({
            db,
            env,
            handler: alone,
            event,
            attempts: 1,
            decided: { db, alternatives: Array.isArray(first) ? first : [first] },
          });
          if (result.outcome !== "applied") break;
          emitted.push(...result.events);
          effects ||= result.effects ?? false;
        } catch (error) {
          // Left held: the next batch of its aggregate tries again; the sweep names it in time.
          log.warn("held event not released", { eventId: event.id, error: errorText(error) });
          break;
        }
        released++;
        [held] = await releasable(db, [keyOf(event)]);
      }
    }
    if (emitted.length > 0 || effects)
      await options
        .afterCommit?.(env, emitted, { effects })
        .catch((error) => log.warn("relay poke after release failed", { error: errorText(error) }));
  };
}

/** The held events next in sequence for `keys`: one query. */
async function releasable(
  db: AnyD1Database,
  keys: readonly ReturnType<typeof keyOf>[],
): Promise<HeldRow[]> {
  return db.all<HeldRow>(sql`
    SELECT h.source, h.aggregate_type AS aggregateType, h.aggregate_id AS aggregateId, h.body
    FROM json_each(${JSON.stringify(keys.map((k) => [k.source, k.aggregateType, k.aggregateId]))}) k
    JOIN ordered_held h ON h.source = k.value ->> 0 AND h.aggregate_type = k.value ->> 1
      AND h.aggregate_id = k.value ->> 2
    WHERE h.sequence = 1 + COALESCE((SELECT a.sequence FROM ordered_applied a
      WHERE a.source = h.source AND a.aggregate_type = h.aggregate_type
        AND a.aggregate_id = h.aggregate_id), 0)`);
}
