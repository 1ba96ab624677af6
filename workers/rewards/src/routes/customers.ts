import {
  catalog,
  GrantInput,
  IdParam,
  REQUEST_ID_HEADER,
  type RewardsAccount,
} from "@edge-saga/contracts";
import { newId, outboxInserts, pokeRelay, runBatch, validate } from "@edge-saga/shared";
import { desc, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { database } from "../db/client";
import { accounts, ledger } from "../db/tables";
import { rewardsAccount } from "../domain/rewards-account";

const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const iso = (ms: number) => new Date(ms).toISOString();

/** A customer's points: the account, its ledger, and admin grants. */
export const customers = new Hono<{ Bindings: Env }>()
  .get("/:id/rewards", validate("param", IdParam), async (c) => {
    const { id } = c.req.valid("param");
    const row = await database(c.env)
      .select()
      .from(accounts)
      .where(eq(accounts.customerId, id))
      .get();
    return c.json(rewardsAccount(id, row));
  })
  .get(
    "/:id/rewards/ledger",
    validate("param", IdParam),
    validate("query", LedgerQuery),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit } = c.req.valid("query");
      const rows = await database(c.env)
        .select()
        .from(ledger)
        .where(eq(ledger.customerId, id))
        // UUIDv7 ids sort by creation time.
        .orderBy(desc(ledger.id))
        .limit(limit)
        .all();
      return c.json({ entries: rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) })) });
    },
  )
  .post(
    "/:id/rewards/grants",
    validate("param", IdParam),
    validate("json", GrantInput),
    async (c) => {
      const { id: customerId } = c.req.valid("param");
      const { points, reason } = c.req.valid("json");
      const db = database(c.env);
      const requestId = c.req.header(REQUEST_ID_HEADER) ?? newId();
      const grantId = newId();
      const now = Date.now();
      const event = catalog.create("PointsGranted", {
        aggregateType: "customer",
        aggregateId: customerId,
        correlationId: customerId,
        causationId: requestId,
        payload: { customerId, points, reason: reason ?? null },
      });
      const [updated] = (await runBatch(db, [
        db
          .insert(accounts)
          .values({ customerId, balance: points, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({
            target: accounts.customerId,
            set: { balance: sql`${accounts.balance} + ${points}`, updatedAt: now },
          })
          .returning(),
        db.insert(ledger).values({
          id: grantId,
          customerId,
          kind: "GRANT",
          points,
          reason: reason ?? null,
          causationId: requestId,
          createdAt: now,
        }),
        ...outboxInserts(db, [event], now),
      ])) as [(typeof accounts.$inferSelect)[], ...unknown[]];
      c.executionCtx.waitUntil(pokeRelay(c.env.OUTBOX_RELAY));
      const account: RewardsAccount = rewardsAccount(customerId, updated[0]);
      return c.json(
        {
          grant: { id: grantId, customerId, points, reason: reason ?? null, createdAt: iso(now) },
          account,
        },
        201,
      );
    },
  );
