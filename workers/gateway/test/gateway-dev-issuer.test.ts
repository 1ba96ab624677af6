import { CALLER_HEADER } from "@edge-saga/shared";
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DEV_ISSUER, DEV_TOKEN_LIFETIME_SECONDS, publicJwkOf } from "../src/auth/dev-issuer";
import { call, callWith, devIssuerKey, type Echo, errorCode, JSON_TYPE } from "./helpers";

const signIn = (body: string, headers: Record<string, string> = JSON_TYPE) =>
  call("/auth/dev/token", { method: "POST", headers, body });

describe("the local dev issuer (AUTH_DEV_ISSUER_KEY set)", () => {
  it("signs in a customer: a Bearer token for an hour that the gateway accepts as her", async () => {
    const res = await signIn('{"customerId":"alice"}');
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Record<string, unknown>;
    expect(answer).toEqual({
      accessToken: expect.any(String),
      tokenType: "Bearer",
      expiresIn: DEV_TOKEN_LIFETIME_SECONDS,
    });
    const token = answer.accessToken as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", kid: devIssuerKey().kid });

    const jwks = (await (await call("/.well-known/jwks.json")).json()) as { keys: JWK[] };
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as { keys: JWK[] }), {
      issuer: DEV_ISSUER,
      audience: "edge-saga-api",
    });
    expect(payload.sub).toBe("alice");
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(DEV_TOKEN_LIFETIME_SECONDS);

    const order = await call("/orders/o1", { headers: { authorization: `Bearer ${token}` } });
    expect(((await order.json()) as Echo).headers[CALLER_HEADER]).toBe("customer:alice");
  });

  it("publishes only the public half of its key", async () => {
    const res = await call("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    const { d: _private, ...own } = devIssuerKey() as unknown as Record<string, string>;
    expect(keys).toEqual([{ ...own, alg: "ES256", use: "sig" }]);
    expect(JSON.stringify(keys)).not.toContain(String(_private));
    expect(keys[0]).not.toHaveProperty("d");
  });

  it.each([
    ['{"customerId":"me"}', "VALIDATION_FAILED"],
    ['{"customerId":"a/b"}', "VALIDATION_FAILED"],
    ['{"customerId":""}', "VALIDATION_FAILED"],
    ["{}", "VALIDATION_FAILED"],
    ['{"customerId":"alice","admin":true}', "VALIDATION_FAILED"],
    ["{not json", "MALFORMED_JSON"],
  ])("refuses %s with 400 %s", async (body, code) => {
    const res = await signIn(body);
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe(code);
  });

  it("holds its body to the gateway's rules (JSON only)", async () => {
    const res = await signIn('{"customerId":"alice"}', { "content-type": "text/plain" });
    expect(res.status).toBe(415);
  });
});

describe("without AUTH_DEV_ISSUER_KEY (production)", () => {
  it.each([
    ["POST", "/auth/dev/token"],
    ["GET", "/auth/dev/token"],
    ["GET", "/.well-known/jwks.json"],
    ["DELETE", "/.well-known/jwks.json"],
  ])("%s %s is 404 like an unknown path", async (method, path) => {
    for (const key of [undefined, ""]) {
      const res = await callWith(
        { AUTH_DEV_ISSUER_KEY: key },
        new Request(`https://gateway.test${path}`, {
          method,
          headers: JSON_TYPE,
          body: method === "POST" ? '{"customerId":"alice"}' : undefined,
        }),
      );
      expect(res.status).toBe(404);
      expect(await errorCode(res)).toBe("NOT_FOUND");
    }
  });

  it("accepts no token the dev issuer signed", async () => {
    const { accessToken } = (await (await signIn('{"customerId":"alice"}')).json()) as {
      accessToken: string;
    };
    const res = await callWith(
      { AUTH_DEV_ISSUER_KEY: undefined },
      new Request("https://gateway.test/orders/o1", {
        headers: { authorization: `Bearer ${accessToken}` },
      }),
    );
    expect(res.status).toBe(401);
  });
});

describe("the dev issuer's key (publicJwkOf)", () => {
  it("refuses a secret that is not a private P-256 JWK with a kid", () => {
    const { kid: _kid, ...noKid } = devIssuerKey();
    const { d: _d, ...publicOnly } = devIssuerKey() as unknown as Record<string, string>;
    for (const secret of [
      "not json",
      JSON.stringify(noKid),
      JSON.stringify(publicOnly),
      JSON.stringify({ ...devIssuerKey(), crv: "P-384" }),
    ]) {
      expect(() => publicJwkOf(secret), secret.slice(0, 40)).toThrow();
    }
    expect(publicJwkOf(JSON.stringify(devIssuerKey()))).not.toHaveProperty("d");
  });
});
