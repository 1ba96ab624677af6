import { desc, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { deadLetters, outbox } from "../db/kit-schema";
import { runMaintenance } from "../maintenance/maintenance";
import type { OutboxRelay } from "../relay/outbox-relay";
import { relayStub } from "../relay/outbox-relay";

// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export interface KitAdminOptions<Env, T extends OutboxRelay<any>> {
  /** The service's own D1 database. */
  d1: (env: Env) => D1Database;
  relay: (env: Env) => DurableObjectNamespace<T>;
}

/**
 * Operator routes every service gets: outbox backlog with relay status, and dead letters.
 * Mount under `/admin`; the gateway guards them with the admin token.
 */
// biome-ignore lint/suspicious/noExplicitAny: any relay subclass, whatever its Env
export function kitAdminRoutes<Env extends object, T extends OutboxRelay<any> = OutboxRelay<any>>(
  options: KitAdminOptions<Env, T>,
) {
  return (
    new Hono<{ Bindings: Env }>()
      .get("/outbox", async (c) => {
        const db = drizzle(options.d1(c.env));
        const [backlog, totals, relay] = await Promise.all([
          db
            .select({
              pending: sql<number>`count(*)`,
              oldestPendingAt: sql<number | null>`min(${outbox.createdAt})`,
            })
            .from(outbox)
            .where(isNull(outbox.publishedAt))
            .get(),
          db.get<{ outboxRows: number; inboxRows: number }>(
            sql`SELECT (SELECT count(*) FROM outbox) AS outboxRows, (SELECT count(*) FROM inbox) AS inboxRows`,
          ),
          relayStub(options.relay(c.env)).status(),
        ]);
        return c.json({
          pending: backlog?.pending ?? 0,
          oldestPendingAt: backlog?.oldestPendingAt ?? null,
          outboxRows: totals?.outboxRows ?? 0,
          inboxRows: totals?.inboxRows ?? 0,
          relay,
        });
      })
      // What the cron does, on demand: operators and local dev need not wait for the minute.
      .post("/maintenance", async (c) => {
        const pruned = await runMaintenance(options.d1(c.env), options.relay(c.env));
        return c.json({ relayPoked: true, pruned });
      })
      .get("/dead-letters", async (c) => {
        const rows = await drizzle(options.d1(c.env))
          .select()
          .from(deadLetters)
          .orderBy(desc(deadLetters.receivedAt))
          .limit(100)
          .all();
        return c.json({ deadLetters: rows });
      })
  );
}
