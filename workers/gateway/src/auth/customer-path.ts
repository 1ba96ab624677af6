import { type Caller, customerFor } from "@edge-saga/shared";

/** How a path names the caller's own account: `/customers/me/...`. */
export const ME = "me";

/**
 * The customer a `/customers/{id}/...` path is about, for this caller: a customer's own id (hers
 * or `me`; another id is 403 FORBIDDEN); an admin's named one (`me` is 400: an admin has none).
 * @example customerOfPath({ role: "customer", customerId: "alice" }, "me") // "alice"
 */
export function customerOfPath(caller: Caller, id: string): string {
  return customerFor(caller, id === ME ? undefined : id);
}
