import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import worker from "../src/index";

export { brokenService } from "@edge-saga/kit-testing";
export type { Echo } from "@edge-saga/kit-testing/echo-service";

export const ADMIN = { authorization: "Bearer test-admin-token" };
export const JSON_TYPE = { "content-type": "application/json" };

/** A request through the gateway as deployed: the runtime's fetch path with the configured bindings. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://gateway.test${path}`, init));
}

/** The gateway's fetch handler with some bindings replaced (a service down, no admin token...). */
export async function callWith(
  overrides: Partial<Record<keyof Env, unknown>>,
  request: Request,
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { code: string } };
  return body.error.code;
}
