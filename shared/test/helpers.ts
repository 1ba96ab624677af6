import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import type { Envelope } from "../src/envelope";
import { outboxInserts } from "../src/outbox/outbox-writer";
import { relayStub } from "../src/relay/outbox-relay";
import { catalog } from "./worker/src/catalog";

export const db = drizzle(env.DB);
export const relay = () => relayStub(env.RELAY);

/** A tally event of `type` (same payload for each), caused by the test. */
export function tallyEvent(
  type: "TallyIncremented" | "TallyDecremented" | "TallyMirrored",
  tallyId: string,
  by = 1,
  correlationId = tallyId,
) {
  return catalog.create(type, {
    aggregateType: "tally",
    aggregateId: tallyId,
    correlationId,
    causationId: "test",
    payload: { tallyId, by },
  });
}

export const increment = (tallyId: string, by = 1, correlationId = tallyId) =>
  tallyEvent("TallyIncremented", tallyId, by, correlationId);

export const decrement = (tallyId: string, by = 1, correlationId = tallyId) =>
  tallyEvent("TallyDecremented", tallyId, by, correlationId);

/** An event whose handler always throws. */
export const poison = (note: string) =>
  catalog.create("PoisonPill", {
    aggregateType: "t",
    aggregateId: "t",
    correlationId: "t",
    causationId: "t",
    payload: { note },
  });

/** Commits `count` pending outbox rows in batches, as services would. */
export async function seedOutbox(events: Envelope[]): Promise<void> {
  for (let i = 0; i < events.length; i += 50) {
    const statements = outboxInserts(db, events.slice(i, i + 50));
    await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  }
}

export async function count(sql: string, ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export const tallyValue = async (id: string) =>
  (
    await env.DB.prepare("SELECT value FROM tallies WHERE id = ?")
      .bind(id)
      .first<{ value: number }>()
  )?.value ?? null;
