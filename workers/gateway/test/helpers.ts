import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { importJWK, type JWK, type JWTPayload, SignJWT } from "jose";
import { DEV_ISSUER } from "../src/auth/dev-issuer";
import worker from "../src/index";
import type { GatewayBindings } from "../src/types";

export { brokenService } from "@edge-saga/kit-testing";
export type { Echo } from "@edge-saga/kit-testing/echo-service";

export const ADMIN = { authorization: "Bearer test-admin-token" };
export const JSON_TYPE = { "content-type": "application/json" };

/** The dev issuer's private key of this run (vitest.config.ts), as the gateway has it. */
export const devIssuerKey = (): JWK & { kid: string } =>
  JSON.parse((env as GatewayBindings).AUTH_DEV_ISSUER_KEY ?? "");

/**
 * An access token as the dev issuer signs it (ES256, its kid, its iss, the configured aud,
 * valid for an hour), with any claim or header replaced: the tests' way to make bad ones.
 */
export async function tokenFor(
  sub: string,
  changes: {
    claims?: JWTPayload;
    key?: JWK;
    header?: { alg?: string; kid?: string };
  } = {},
): Promise<string> {
  const jwk = changes.key ?? devIssuerKey();
  const alg = changes.header?.alg ?? "ES256";
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: DEV_ISSUER,
    aud: env.AUTH_AUDIENCE,
    sub,
    iat: now,
    exp: now + 3600,
    ...changes.claims,
  })
    .setProtectedHeader({ alg, kid: changes.header?.kid ?? jwk.kid, typ: "JWT" })
    .sign(await importJWK(jwk, alg));
}

/** `Authorization` of a customer signed in with the dev issuer. */
export async function asCustomer(customerId: string) {
  return { authorization: `Bearer ${await tokenFor(customerId)}` };
}

/** A request through the gateway as deployed: the runtime's fetch path with the configured bindings. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`https://gateway.test${path}`, init));
}

/** The gateway's fetch handler with some bindings replaced (a service down, no admin token...). */
export async function callWith(
  overrides: Partial<Record<keyof GatewayBindings, unknown>>,
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

/**
 * A service that records what it was asked (method, path, headers) and answers `status`: to see
 * that a refused request never reached it, or what exactly did.
 */
export function recordingService(status = 200) {
  const seen: { method: string; path: string; headers: Record<string, string> }[] = [];
  const service = {
    fetch: async (input: RequestInfo, init?: RequestInit) => {
      const request = new Request(input, init);
      const { pathname } = new URL(request.url);
      seen.push({
        method: request.method,
        path: pathname,
        headers: Object.fromEntries(request.headers),
      });
      return Response.json({ ok: true }, { status });
    },
  } as unknown as Fetcher;
  return { seen, service };
}

/** Every service binding of the gateway as one recordingService. */
export function everyServiceRecorded() {
  const recorder = recordingService();
  const bindings = Object.fromEntries(
    ["ORDER", "INVENTORY", "REWARDS", "PAYMENT", "VIEW", "OPERATIONS"].map((name) => [
      name,
      recorder.service,
    ]),
  );
  return { seen: recorder.seen, bindings };
}

/** `Authorization` of customer c1, the customer the suites act as unless they say otherwise. */
export const CUSTOMER = await asCustomer("c1");
