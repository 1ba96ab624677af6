import type { ErrorBody } from "@edge-saga/contracts";
import { apiClient, read } from "@edge-saga/contracts/client";
import { adminToken, setSignIn, signedIn } from "./session";

export { read };

/** This origin's public API through the one typed client: answers typed by the routes. */
export const api = apiClient("");

/** The same client with the token the operator saved (read at each call: it can change). */
export const admin = () => apiClient("", { adminToken: adminToken() });

/** A token is renewed this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

/**
 * Signs `customerId` in at the local dev issuer (`POST /auth/dev/token`); her token is kept for
 * the tab. Answers the error text when the issuer refuses or is not running (production).
 */
export async function signIn(customerId: string): Promise<string | null> {
  const answer = await read(api.auth.dev.token.$post({ json: { customerId } }));
  if (answer.status !== 200)
    return answer.status === 404
      ? "No local sign-in here: the dev issuer runs only with npm run dev and local stacks."
      : errorText(answer);
  const lifeMs = answer.body.expiresIn * 1000;
  const renewAt = Date.now() + lifeMs - Math.min(RENEW_BEFORE_MS, lifeMs / 2);
  setSignIn({ customerId, accessToken: answer.body.accessToken, renewAt });
  return null;
}

/** The signed-in customer's token, renewed first when it is about to expire. */
async function customerToken(): Promise<string> {
  const current = signedIn();
  if (!current) return "";
  if (Date.now() >= current.renewAt) await signIn(current.customerId);
  return signedIn()?.accessToken ?? "";
}

/** The client acting as the signed-in customer: the customer routes (her orders, her points). */
export const customer = () => apiClient("", { accessToken: customerToken });

/**
 * The client for calls on an order of `customerId`: as her when she is the one signed in here,
 * else with the admin token (an operator may read any order).
 */
export const forOrder = (customerId: string) =>
  signedIn()?.customerId === customerId || !adminToken() ? customer() : admin();

/** The error an answer that failed carries in its body, if any. */
export const errorOf = (answer: { body: unknown }) =>
  (answer.body as Partial<ErrorBody> | null)?.error;

/** The error's message (or code) from an answer that failed, else its status. */
export function errorText(answer: { status: number; body: unknown }): string {
  const err = errorOf(answer);
  return err ? err.message || err.code : `answered ${answer.status}`;
}
