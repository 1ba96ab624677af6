import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../src/index";

export { brokenService } from "@edge-saga/kit-testing";
export type { Echo } from "@edge-saga/kit-testing/echo-service";

/** A request as the gateway forwards it: the runtime's fetch path with the configured bindings. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://operations.internal${path}`, init));
}

/** The fetch handler with some bindings replaced (a service down, answering something else...). */
export async function callWith(
  overrides: Partial<Record<keyof Env, unknown>>,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`https://operations.internal${path}`, { headers }),
    { ...env, ...overrides } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}
