import type { Context } from "hono";
import { HttpError } from "./errors";

/**
 * Who calls a service, as the gateway verified it: a customer (the `sub` of a checked access
 * token) or an operator (the admin token). The gateway sets it on every forward after dropping
 * whatever the client sent; services are reachable only through service bindings, so it is the
 * one customer id they trust (never a body, path or query).
 */
export type Caller =
  | { role: "customer"; customerId: string }
  | {
      role: "admin";
      /** Which admin token: `adminFingerprint` of it, never the token (audit trails name it). */
      actor?: string;
    };

/** The request header that carries the caller from the gateway to a service. */
export const CALLER_HEADER = "x-edge-saga-caller";

/**
 * The header a bench request names its baseline by (`direct-publish`, a write path). The gateway
 * forwards it; only a bench entry (shared/bench, local stacks with BENCH_BASELINES_ENABLED) reads it.
 */
export const BENCH_BASELINE_HEADER = "x-bench-baseline";

const CUSTOMER_PREFIX = "customer:";
const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,64}$/;

const ADMIN_ACTOR = /^admin:([0-9a-f]{12})$/;

/** The header's value for `caller`: `customer:<id>`, `admin` or `admin:<fingerprint>`. */
export function callerHeaderValue(caller: Caller): string {
  if (caller.role === "admin") return caller.actor ? `admin:${caller.actor}` : "admin";
  return `${CUSTOMER_PREFIX}${caller.customerId}`;
}

/**
 * Names an admin token without revealing it: the first 12 hex digits of its SHA-256, enough to
 * tell a rotated token from the last one in an audit trail, far too few to guess it from.
 * @example await adminFingerprint("dev-admin-token") // "1734d503f6aa"
 */
export async function adminFingerprint(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest).slice(0, 6)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The caller a header value names, or undefined when it names none (absent or malformed). */
export function parseCaller(value: string | null | undefined): Caller | undefined {
  if (value === "admin") return { role: "admin" };
  const actor = value ? ADMIN_ACTOR.exec(value)?.[1] : undefined;
  if (actor) return { role: "admin", actor };
  if (!value?.startsWith(CUSTOMER_PREFIX)) return undefined;
  const customerId = value.slice(CUSTOMER_PREFIX.length);
  return CUSTOMER_ID.test(customerId) ? { role: "customer", customerId } : undefined;
}

/**
 * The caller of the request a service handles. No caller means the request did not come
 * through the gateway's checks: 401, and the handler writes nothing.
 */
export function callerOf(c: Context): Caller {
  const caller = parseCaller(c.req.header(CALLER_HEADER));
  if (!caller) {
    throw new HttpError(401, "UNAUTHENTICATED", "no verified caller", undefined, {
      "www-authenticate": "Bearer",
    });
  }
  return caller;
}

/** Whether `caller` may read or act on what belongs to `customerId`: its owner, or an admin. */
export function mayActFor(caller: Caller, customerId: string): boolean {
  return caller.role === "admin" || caller.customerId === customerId;
}

/**
 * The customer a request acts for: a customer acts for herself (a different `requested` id is
 * 403 `FORBIDDEN`); an admin acts for the customer it names, and must name one (400).
 */
export function customerFor(caller: Caller, requested: string | undefined): string {
  if (caller.role === "customer") {
    if (requested !== undefined && requested !== caller.customerId) {
      throw new HttpError(403, "FORBIDDEN", "a customer may act only for herself");
    }
    return caller.customerId;
  }
  if (requested === undefined) {
    throw new HttpError(400, "VALIDATION_FAILED", "an admin must name the customer", [
      { path: "customerId", message: "required when an admin calls" },
    ]);
  }
  return requested;
}
