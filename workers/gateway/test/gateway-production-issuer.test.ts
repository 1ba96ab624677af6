import { CALLER_HEADER } from "@edge-saga/shared";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JWKS_COOLDOWN_MS } from "../src/auth/key-sets";
import { callWith, type Echo } from "./helpers";

const ISSUER = "https://idp.test/";

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } as JWK;
  const sign = (sub: string, iss = ISSUER) =>
    new SignJWT({ sub })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(iss)
      .setAudience("edge-saga-api")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
  return { publicJwk, sign };
}

/**
 * The identity provider's JWKS endpoint, served to the gateway's own fetch (jose fetches with the
 * runtime's global fetch when no customFetch is given, as in production). A URL per test: the
 * gateway keeps a key set per URL for the isolate's life.
 */
function identityProvider(keys: JWK[]) {
  const url = `${ISSUER}${crypto.randomUUID()}/jwks.json`;
  const idp = { url, keys, fetches: 0 };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const asked = input instanceof Request ? input.url : String(input);
    if (asked !== url) throw new Error(`unexpected fetch of ${asked}`);
    idp.fetches += 1;
    return Response.json({ keys: idp.keys });
  });
  return idp;
}

const ask = (idp: { url: string }, token: string) =>
  callWith(
    { AUTH_ISSUER: ISSUER, AUTH_JWKS_URL: idp.url, AUTH_DEV_ISSUER_KEY: undefined },
    new Request("https://gateway.test/orders/o1", {
      headers: { authorization: `Bearer ${token}` },
    }),
  );

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("production's identity provider (AUTH_ISSUER, AUTH_JWKS_URL)", () => {
  it("accepts its tokens, fetching its JWKS once, and refuses another issuer's", async () => {
    const key = await signingKey("prod-1");
    const idp = identityProvider([key.publicJwk]);
    for (const customer of ["alice", "bob"]) {
      const res = await ask(idp, await key.sign(customer));
      expect(res.status).toBe(200);
      expect(((await res.json()) as Echo).headers[CALLER_HEADER]).toBe(`customer:${customer}`);
    }
    expect(idp.fetches).toBe(1);
    // Signed by its key, but claiming the dev issuer (which is off here): refused.
    expect((await ask(idp, await key.sign("alice", "urn:edge-saga:dev-issuer"))).status).toBe(401);
  });

  it("follows its key rotation: a new kid verifies after the JWKS changes (past the cooldown), a removed kid is refused once refetched", async () => {
    const [old, rotated] = await Promise.all([signingKey("2026-01"), signingKey("2026-02")]);
    const idp = identityProvider([old.publicJwk]);
    const oldToken = await old.sign("alice");
    expect((await ask(idp, oldToken)).status).toBe(200);

    idp.keys = [rotated.publicJwk];
    const newToken = await rotated.sign("alice");
    // Within the cooldown an unknown kid does not make the gateway fetch again.
    expect((await ask(idp, newToken)).status).toBe(401);
    expect(idp.fetches).toBe(1);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS + 1000);
    const res = await ask(idp, newToken);
    expect(res.status).toBe(200);
    expect(idp.fetches).toBe(2);
    const refused = await ask(idp, oldToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/unknown key/);
  });

  it("refuses every token (401) while its JWKS cannot be fetched", async () => {
    const key = await signingKey("prod-1");
    const idp = identityProvider([]);
    vi.mocked(globalThis.fetch).mockImplementation(
      async () => new Response("down", { status: 503 }),
    );
    const res = await ask(idp, await key.sign("alice"));
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/could not be verified/);
  });
});
