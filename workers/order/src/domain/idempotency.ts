/**
 * Idempotency-Key rules (IETF httpapi idempotency-key draft). The key's form is the contract's
 * (`IdempotencyKey`, contracts/src/http/schemas.ts), checked by the `POST /orders` definition.
 */

/**
 * The key as stored and as self-read derives its order id from: a customer's own. Keys are per
 * customer, so the same key from two customers is two requests and one never learns of the
 * other's. `/` can occur in neither a customer id nor a key, so two pairs never spell one key.
 * @example customerKey("alice", "k-1") // "alice/k-1"
 */
export function customerKey(customerId: string, key: string): string {
  return `${customerId}/${key}`;
}

/** A claim this old was left by a request that crashed; another request may take it over. */
export const IN_FLIGHT_TIMEOUT_MS = 60_000;
/** Keys are honoured this long; after that the key counts as unused and the cron may prune it. */
export const KEY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredKey {
  requestHash: string;
  status: "IN_FLIGHT" | "DONE";
  createdAt: number;
  expiresAt: number;
}

export type KeyVerdict =
  /** Same request, already answered: send the stored answer again. */
  | "REPLAY"
  /** Same key, different request: 422. */
  | "REUSED"
  /** Same request still running: 409. */
  | "IN_FLIGHT"
  /**
   * Same request, abandoned by a run that crashed: claim it afresh. That run may have got as far
   * as publishing (self-read publishes before it stores the answer), so its order id is kept.
   */
  | "RESUME"
  /** Expired: the key counts as unused, whatever it stored; claim it afresh. */
  | "TAKE_OVER";

/** What to do with a request whose key is already stored. */
export function judgeStoredKey(stored: StoredKey, requestHash: string, now: number): KeyVerdict {
  if (stored.expiresAt <= now) return "TAKE_OVER";
  if (stored.requestHash !== requestHash) return "REUSED";
  if (stored.status === "DONE") return "REPLAY";
  return now - stored.createdAt >= IN_FLIGHT_TIMEOUT_MS ? "RESUME" : "IN_FLIGHT";
}

/** Whether the retention job may delete a stored key. */
export function isKeyExpired(stored: Pick<StoredKey, "expiresAt">, now: number): boolean {
  return stored.expiresAt <= now;
}

/**
 * JSON with object keys sorted at every level, so bodies that differ only in key order or
 * whitespace hash the same. Array order is kept: it is part of the request.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The stored fingerprint of a request: SHA-256 (hex) of its canonical JSON body. */
export async function requestHash(body: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(body));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
