import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../src/index";

/** What the stand-in services of vitest.config.ts answer. */
export interface Echo {
  service: string;
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
}

/** A request as the gateway forwards it: the runtime's fetch path with the configured bindings. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://operations.internal${path}`, init));
}

/** The fetch handler with some bindings replaced (a service down, answering something else...). */
export async function callWith(
  overrides: Partial<Record<keyof Env, unknown>>,
  path: string,
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`https://operations.internal${path}`),
    { ...env, ...overrides } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** A service binding that fails the way a crashed or missing service does. */
export const brokenService = {
  fetch: () => Promise.reject(new Error("service unavailable")),
} as unknown as Fetcher;
