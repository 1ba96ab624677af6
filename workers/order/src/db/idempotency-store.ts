import { type AnyD1Database, retryOnConflict, type Statement } from "@edge-saga/shared";
import { and, eq, sql } from "drizzle-orm";
import { judgeStoredKey, KEY_TTL_MS } from "../domain/idempotency";
import { type IdempotencyKeyRow, idempotencyKeys } from "./tables";

export type Claim =
  /** Ours, for order `orderId`; `resumed`: taken over from a crashed run of this very request. */
  | { kind: "CLAIMED"; orderId: string; resumed: boolean }
  | { kind: "REPLAY"; stored: IdempotencyKeyRow }
  | { kind: "REUSED" }
  | { kind: "IN_FLIGHT" };

/** Rounds of claim-or-read before giving up with IN_FLIGHT (a claim that keeps vanishing under us). */
const CLAIM_ROUNDS = 3;

/**
 * The key's row changed between our read and our write. A lost race shows here as a missing
 * row or an UPDATE that changed nothing, not as a constraint error: this tells retryOnConflict.
 */
class ClaimSlipped extends Error {
  constructor() {
    super("the idempotency key changed while claiming it");
  }
}

/**
 * Claims `key` for the request hashing to `requestHash`, which will create order `orderId`.
 * The primary key decides between concurrent claims; an expired or abandoned claim is taken
 * over with an UPDATE conditioned on the row as read, so only one taker wins. `resumeAbandoned`:
 * a claim abandoned by a crashed run of the same request keeps its order id (self-read: that run
 * may have published the order already, so a new id would be a second order).
 */
export async function claimKey(
  db: AnyD1Database,
  key: string,
  requestHash: string,
  orderId: string,
  now: number,
  { resumeAbandoned = false }: { resumeAbandoned?: boolean } = {},
): Promise<Claim> {
  const fresh = {
    requestHash,
    status: "IN_FLIGHT" as const,
    responseStatus: null,
    responseBody: null,
    orderId,
    createdAt: now,
    expiresAt: now + KEY_TTL_MS,
  };
  return retryOnConflict<Claim>({
    attempts: CLAIM_ROUNDS,
    isConflict: (error) => error instanceof ClaimSlipped,
    attempt: async () => {
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ key, ...fresh })
        .onConflictDoNothing()
        .run();
      if (inserted.meta.changes === 1) return { kind: "CLAIMED", orderId, resumed: false };

      const stored = await db
        .select()
        .from(idempotencyKeys)
        .where(eq(idempotencyKeys.key, key))
        .get();
      // Released by a failed request meanwhile: try to claim again.
      if (!stored) throw new ClaimSlipped();
      const verdict = judgeStoredKey(stored, requestHash, now);
      if (verdict === "REPLAY") return { kind: "REPLAY", stored };
      if (verdict === "REUSED" || verdict === "IN_FLIGHT") return { kind: verdict };

      const resumed = resumeAbandoned && verdict === "RESUME";
      const claimed = resumed ? stored.orderId : orderId;
      const taken = await db
        .update(idempotencyKeys)
        .set({ ...fresh, orderId: claimed })
        .where(
          and(
            eq(idempotencyKeys.key, key),
            eq(idempotencyKeys.orderId, stored.orderId),
            eq(idempotencyKeys.createdAt, stored.createdAt),
            eq(idempotencyKeys.status, stored.status),
          ),
        )
        .run();
      if (taken.meta.changes === 1) return { kind: "CLAIMED", orderId: claimed, resumed };
      // Another request took the expired claim over first: read it again.
      throw new ClaimSlipped();
    },
    onExhausted: () => ({ kind: "IN_FLIGHT" }),
  });
}

/** True while this request (the one creating `orderId`) still holds the claim on `key`. */
export function ownsClaim(key: string, orderId: string) {
  return and(
    eq(idempotencyKeys.key, key),
    eq(idempotencyKeys.orderId, orderId),
    eq(idempotencyKeys.status, "IN_FLIGHT"),
  );
}

/** Guards a value of the order insert: NULL unless the claim is still ours (see the route). */
export function whileClaimOwned<T extends string>(value: T, key: string, orderId: string) {
  return sql<T>`(SELECT ${value} FROM ${idempotencyKeys} WHERE ${ownsClaim(key, orderId)})`;
}

/** Stores the answer in the same batch that creates the order. */
export function completeClaim(
  db: AnyD1Database,
  key: string,
  orderId: string,
  response: { status: number; body: string },
): Statement {
  return db
    .update(idempotencyKeys)
    .set({ status: "DONE", responseStatus: response.status, responseBody: response.body })
    .where(ownsClaim(key, orderId));
}

/** Gives the key back (the request failed before creating anything), so a corrected retry can use it. */
export async function releaseClaim(db: AnyD1Database, key: string, orderId: string): Promise<void> {
  await db.delete(idempotencyKeys).where(ownsClaim(key, orderId)).run();
}

/**
 * Deletes expired keys, a chunk at a time; for the cron. An expired key counts as unused
 * whether or not it was pruned yet (see judgeStoredKey).
 */
export async function pruneExpiredKeys(
  db: D1Database,
  now = Date.now(),
  chunk = 5000,
): Promise<number> {
  const result = await db
    .prepare(
      "DELETE FROM idempotency_keys WHERE key IN (SELECT key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)",
    )
    .bind(now, chunk)
    .run();
  return result.meta.changes ?? 0;
}
