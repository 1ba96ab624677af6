import { catalog, REQUEST_ID_HEADER, type RewardsAccount } from "@edge-saga/contracts";
import { customerRoutes } from "@edge-saga/contracts/http";
import {
  callerOf,
  contractRoutes,
  customerFor,
  HttpError,
  newId,
  onShard,
  outboxInserts,
  pokeRelay,
  retryOnConflict,
  runBatch,
  shardCount,
} from "@edge-saga/shared";
import { and, desc, eq, inArray, lt } from "drizzle-orm";
import { appendStatements, readAccount } from "../db/account-store";
import { database } from "../db/client";
import { ledger } from "../db/tables";
import { rewardsAccount } from "../domain/rewards-account";
import { BALANCE_KINDS } from "../domain/statuses";
import { customerShard } from "../shards";

/** Times a grant is decided again when another change of the same account committed first. */
const GRANT_ATTEMPTS = 20;

const iso = (ms: number) => new Date(ms).toISOString();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `env` on the shard of `customerId`'s account: every route reads and writes only there. */
const onCustomerShard = (env: Env, customerId: string) =>
  onShard(env, customerShard(customerId, shardCount(env)));

/**
 * A customer's points: the account folded from its ledger, the ledger itself, and admin grants.
 * The caller the gateway verified decides: a customer reads only her own (another id is 403),
 * an operator reads anyone's, and only an operator grants.
 */
export const customers = contractRoutes<{ Bindings: Env }>()
  .openapi(customerRoutes.getRewards, async (c) => {
    const id = customerFor(callerOf(c), c.req.valid("param").id);
    const { state } = await readAccount(database(onCustomerShard(c.env, id)), id);
    return c.json(rewardsAccount(id, state), 200);
  })
  // The balance changes only (no holds), as this route always answered.
  .openapi(customerRoutes.getRewardsLedger, async (c) => {
    const id = customerFor(callerOf(c), c.req.valid("param").id);
    const { limit } = c.req.valid("query");
    const rows = await database(onCustomerShard(c.env, id))
      .select({
        id: ledger.id,
        customerId: ledger.customerId,
        orderId: ledger.orderId,
        kind: ledger.kind,
        points: ledger.points,
        reason: ledger.reason,
        causationId: ledger.causationId,
        createdAt: ledger.createdAt,
      })
      .from(ledger)
      .where(and(eq(ledger.customerId, id), inArray(ledger.kind, [...BALANCE_KINDS])))
      .orderBy(desc(ledger.seq))
      .limit(limit)
      .all();
    return c.json({ entries: rows.map((row) => ({ ...row, createdAt: iso(row.createdAt) })) }, 200);
  })
  // Every entry the account is folded from, holds and releases included, newest first.
  .openapi(customerRoutes.getRewardsHistory, async (c) => {
    const id = customerFor(callerOf(c), c.req.valid("param").id);
    const { cursor, limit } = c.req.valid("query");
    const rows = await database(onCustomerShard(c.env, id))
      .select({
        seq: ledger.seq,
        id: ledger.id,
        kind: ledger.kind,
        points: ledger.points,
        reserved: ledger.reserved,
        orderId: ledger.orderId,
        reason: ledger.reason,
        causationId: ledger.causationId,
        createdAt: ledger.createdAt,
      })
      .from(ledger)
      .where(
        and(eq(ledger.customerId, id), cursor === undefined ? undefined : lt(ledger.seq, cursor)),
      )
      .orderBy(desc(ledger.seq))
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit);
    return c.json(
      {
        customerId: id,
        entries: page.map((row) => ({ ...row, createdAt: iso(row.createdAt) })),
        nextCursor: rows.length > limit ? (page.at(-1)?.seq ?? null) : null,
      },
      200,
    );
  })
  .openapi(customerRoutes.grantPoints, async (c) => {
    // Even her own account: points are an operator's to give, never a customer's to take.
    if (callerOf(c).role !== "admin")
      throw new HttpError(403, "FORBIDDEN", "only an operator grants points");
    const { id: customerId } = c.req.valid("param");
    const { points, reason } = c.req.valid("json");
    const env = onCustomerShard(c.env, customerId);
    const db = database(env);
    const requestId = c.req.header(REQUEST_ID_HEADER) ?? newId();
    const grantId = newId();
    const event = catalog.create("PointsGranted", {
      aggregateType: "customer",
      aggregateId: customerId,
      correlationId: customerId,
      causationId: requestId,
      payload: { customerId, points, reason: reason ?? null },
    });
    const { account, now } = await retryOnConflict({
      attempts: GRANT_ATTEMPTS,
      // A constraint refusal: another change of this account took the position; re-append.
      attempt: async (attempt) => {
        // Concurrent grants to one account take turns: a random pause spreads the retries.
        if (attempt > 1) await pause(Math.random() * 10 * (attempt - 1));
        const now = Date.now();
        const { statements, account } = appendStatements(
          db,
          customerId,
          await readAccount(db, customerId),
          [
            {
              id: grantId,
              customerId,
              kind: "GRANT",
              points,
              reason: reason ?? null,
              causationId: requestId,
            },
          ],
          now,
        );
        await runBatch(db, [...statements, ...outboxInserts(db, [event], now)]);
        return { account, now };
      },
      onExhausted: () => {
        throw new HttpError(409, "CONFLICT", `account ${customerId} kept changing; try again`);
      },
    });
    c.executionCtx.waitUntil(pokeRelay(env.OUTBOX_RELAY, [event], { shard: env.SHARD }));
    const answer: RewardsAccount = rewardsAccount(customerId, account.state);
    return c.json(
      {
        grant: { id: grantId, customerId, points, reason: reason ?? null, createdAt: iso(now) },
        account: answer,
      },
      201,
    );
  });
