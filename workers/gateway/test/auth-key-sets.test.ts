import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { InvalidAccessToken, verifyAccessToken } from "../src/auth/access-token";
import { JWKS_COOLDOWN_MS, keySetAt, remoteKeySet } from "../src/auth/key-sets";

const ISSUER = "https://idp.test/";
const AUDIENCE = "edge-saga-api";

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } as JWK;
  const sign = () =>
    new SignJWT({ sub: "alice" })
      .setProtectedHeader({ alg: "ES256", kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("10m")
      .sign(privateKey);
  return { publicJwk, sign };
}

/** An issuer's JWKS endpoint the test can change, counting the fetches it answers. */
function jwksEndpoint(keys: JWK[]) {
  const endpoint = {
    keys,
    fetches: 0,
    fetch: async (url: string) => {
      endpoint.fetches += 1;
      expect(url).toBe("https://idp.test/.well-known/jwks.json");
      return Response.json({ keys: endpoint.keys });
    },
  };
  return endpoint;
}

const URL_OF_SET = "https://idp.test/.well-known/jwks.json";

async function verdict(token: string, keys: ReturnType<typeof keySetAt>) {
  try {
    return `accepted: ${await verifyAccessToken(token, { issuer: ISSUER, keys }, AUDIENCE)}`;
  } catch (error) {
    if (error instanceof InvalidAccessToken) return error.reason;
    throw error;
  }
}

describe("the issuer's key set (auth/key-sets.ts), fetched from its JWKS URL", () => {
  it("follows a key rotation by kid: a new kid verifies once the JWKS has it, a removed one is refused once refetched", async () => {
    const [old, rotated] = await Promise.all([signingKey("2026-01"), signingKey("2026-02")]);
    const idp = jwksEndpoint([old.publicJwk]);
    const keys = keySetAt(URL_OF_SET, { fetch: idp.fetch, cooldownMs: 0 });

    const oldToken = await old.sign();
    expect(await verdict(oldToken, keys)).toBe("accepted: alice");
    expect(await verdict(oldToken, keys)).toBe("accepted: alice");
    expect(idp.fetches).toBe(1); // kept, not fetched per token

    // The issuer rotates: the new key in, the old one out.
    idp.keys = [rotated.publicJwk];
    const newToken = await rotated.sign();
    expect(await verdict(newToken, keys)).toBe("accepted: alice");
    expect(idp.fetches).toBe(2); // the unknown kid made it fetch again

    expect(await verdict(oldToken, keys)).toBe("the token is signed by an unknown key");
  });

  it(`fetches again for an unknown kid only after the cooldown (${JWKS_COOLDOWN_MS / 1000} s by default)`, async () => {
    const [known, made_up] = await Promise.all([signingKey("k1"), signingKey("k2")]);
    const idp = jwksEndpoint([known.publicJwk]);
    const keys = keySetAt(URL_OF_SET, { fetch: idp.fetch });
    expect(await verdict(await known.sign(), keys)).toBe("accepted: alice");
    // A flood of tokens with kids the issuer never had: no fetch at all during the cooldown.
    for (let i = 0; i < 5; i += 1) {
      expect(await verdict(await made_up.sign(), keys)).toBe(
        "the token is signed by an unknown key",
      );
    }
    expect(idp.fetches).toBe(1);
  });

  it("refuses every token while the JWKS cannot be had, without calling it valid", async () => {
    const key = await signingKey("k1");
    const keys = keySetAt(URL_OF_SET, {
      fetch: async () => new Response("unavailable", { status: 503 }),
    });
    await expect(
      verifyAccessToken(await key.sign(), { issuer: ISSUER, keys }, AUDIENCE),
    ).rejects.toThrow();
  });

  it("keeps one production key set per URL for the isolate's life", () => {
    expect(remoteKeySet("https://a.test/jwks.json")).toBe(remoteKeySet("https://a.test/jwks.json"));
    expect(remoteKeySet("https://a.test/jwks.json")).not.toBe(
      remoteKeySet("https://b.test/jwks.json"),
    );
  });
});
