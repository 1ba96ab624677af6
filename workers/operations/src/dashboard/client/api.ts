import type { ErrorBody } from "@edge-saga/contracts";
import { adminToken } from "./session";

/**
 * An answer of the API. `body` is typed as the route's success answer and is that when `ok`
 * (null if it was not JSON); otherwise it is the error's body, read through `errorText`.
 */
export interface Answer<T> {
  status: number;
  ok: boolean;
  body: T;
}

/** Calls this origin's public API, JSON both ways. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<Answer<T>> {
  const init: RequestInit & { headers: Record<string, string> } = {
    method,
    headers: { accept: "application/json", ...headers },
  };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // Not JSON: the body stays null.
  }
  // Trusted as the route's documented answer, unchecked (see Answer).
  return { status: res.status, ok: res.ok, body: data as T };
}

/** An admin route, with the token the operator saved. */
export const admin = <T>(path: string) =>
  api<T>("GET", path, undefined, { authorization: `Bearer ${adminToken()}` });

/** The error an answer that failed carries in its body, if any. */
export const errorOf = (answer: Answer<unknown>) =>
  (answer.body as Partial<ErrorBody> | null)?.error;

/** The error's message (or code) from an answer that failed, else its status. */
export function errorText(answer: Answer<unknown>): string {
  const err = errorOf(answer);
  return err ? err.message || err.code : `answered ${answer.status}`;
}
