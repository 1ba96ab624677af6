import { and, eq, like, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import { defineCatalog, defineEvent, type EventOf } from "../../../src/catalog";
import { causedBy, createEnvelope } from "../../../src/envelope";
import type { EventHandler } from "../../../src/inbox/inbox-consumer";
import { defineService } from "../../../src/service/define-service";
import { type OnShard, shardCount } from "../../../src/shards/shard-env";
import { shardOf, shardsOf } from "../../../src/shards/shard-routing";
import { tallies } from "../../worker/src/schema";

const Line = z.object({ key: z.string(), units: z.number().int().positive() });

export const HoldRequested = defineEvent({
  type: "HoldRequested",
  version: 1,
  producer: "planner",
  subscribers: ["keeper"],
  payload: z.object({ holdId: z.string(), lines: z.array(Line).min(1) }),
});
export const HoldAnswered = defineEvent({
  type: "HoldAnswered",
  version: 1,
  producer: "keeper",
  subscribers: ["planner"],
  payload: z.object({
    holdId: z.string(),
    held: z.boolean(),
    shard: z.number().int(),
    shards: z.array(z.number().int()),
  }),
});
export const HoldReleased = defineEvent({
  type: "HoldReleased",
  version: 1,
  producer: "planner",
  subscribers: ["keeper"],
  payload: z.object({ holdId: z.string() }),
});
export const catalog = defineCatalog([HoldRequested, HoldAnswered, HoldReleased]);
type Catalog = typeof catalog;

export interface Env {
  DB: D1Database;
  DB_1: D1Database;
  SHARDS: string;
  OUTBOX_RELAY: DurableObjectNamespace;
  KEEPER_INBOX: Queue;
  PLANNER_INBOX: Queue;
  LOG_LEVEL: string;
}

const database = (env: { DB: D1Database }) => drizzle(env.DB);
/** Units held for a hold: a tally named `held:<hold>:<key>` beside the key's own. */
const heldId = (holdId: string, key: string) => `held:${holdId}:${key}`;

/** On each shard, all or nothing for the keys that live there; the answer names both. */
const holdRequested: EventHandler<OnShard<Env>, EventOf<Catalog, "HoldRequested">> = async (
  event,
  { db, env },
) => {
  const n = shardCount(env);
  const { holdId, lines } = event.payload;
  const mine = lines.filter((line) => shardOf(line.key, n) === env.SHARD);
  const stock = await Promise.all(
    mine.map((line) => db.select().from(tallies).where(eq(tallies.id, line.key)).get()),
  );
  const held = mine.every((line, i) => (stock[i]?.value ?? 0) >= line.units);
  const answer = createEnvelope({
    type: "HoldAnswered",
    source: "keeper",
    aggregateType: "hold",
    aggregateId: holdId,
    ...causedBy(event),
    payload: {
      holdId,
      held,
      shard: env.SHARD,
      shards: shardsOf(
        lines.map((l) => l.key),
        n,
      ),
    },
  });
  if (!held) return { events: [answer] };
  return {
    statements: mine.flatMap((line) => [
      db
        .update(tallies)
        .set({ value: sql`${tallies.value} - ${line.units}` })
        .where(eq(tallies.id, line.key)),
      db.insert(tallies).values({ id: heldId(holdId, line.key), value: line.units }),
    ]),
    events: [answer],
  };
};

/** Every shard puts back what it holds for the hold (nothing, if it holds nothing). */
const holdReleased: EventHandler<OnShard<Env>, EventOf<Catalog, "HoldReleased">> = async (
  event,
  { db },
) => {
  const prefix = heldId(event.payload.holdId, "");
  const holds = await db
    .select()
    .from(tallies)
    .where(like(tallies.id, `${prefix}%`))
    .all();
  return {
    statements: holds.flatMap((hold) => [
      db
        .update(tallies)
        .set({ value: sql`${tallies.value} + ${hold.value}` })
        .where(eq(tallies.id, hold.id.slice(prefix.length))),
      db.delete(tallies).where(and(eq(tallies.id, hold.id))),
    ]),
  };
};

const service = defineService({
  name: "keeper",
  catalog,
  db: database,
  handlers: { HoldRequested: holdRequested, HoldReleased: holdReleased },
  shardOf: (event, shards) =>
    event.type === "HoldRequested"
      ? shardsOf(
          (event.payload as { lines: { key: string }[] }).lines.map((l) => l.key),
          shards,
        )
      : Array.from({ length: shards }, (_, shard) => shard),
});

export class OutboxRelay extends service.OutboxRelay {}
export default service.worker;
