import type { ErrorBody } from "@edge-saga/contracts";
import { apiClient } from "@edge-saga/contracts/client";
import { adminToken } from "./session";

export { read } from "@edge-saga/contracts/client";

/** This origin's public API through the one typed client: answers typed by the routes. */
export const api = apiClient("");

/** The same client with the token the operator saved (read at each call: it can change). */
export const admin = () => apiClient("", { adminToken: adminToken() });

/** The error an answer that failed carries in its body, if any. */
export const errorOf = (answer: { body: unknown }) =>
  (answer.body as Partial<ErrorBody> | null)?.error;

/** The error's message (or code) from an answer that failed, else its status. */
export function errorText(answer: { status: number; body: unknown }): string {
  const err = errorOf(answer);
  return err ? err.message || err.code : `answered ${answer.status}`;
}
