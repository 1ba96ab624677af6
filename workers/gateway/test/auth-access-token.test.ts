import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CLOCK_SKEW_SECONDS,
  customerIdOf,
  InvalidAccessToken,
  type TrustedIssuer,
  verifyAccessToken,
} from "../src/auth/access-token";

const ISSUER = "https://idp.test/";
const AUDIENCE = "edge-saga-api";
const now = () => Math.floor(Date.now() / 1000);

async function keyPair(alg: "ES256" | "RS256", kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } as JWK };
}
type Key = Awaited<ReturnType<typeof keyPair>>;

let es: Key;
let rs: Key;
let stranger: Key;
let trusted: TrustedIssuer;

const sign = (key: Key, claims: Record<string, unknown> = {}, kid = key.kid) =>
  new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: key.alg, kid })
    .sign(key.privateKey);

/** The reason a token is refused with, or "accepted: <customer>". */
async function verdict(token: string) {
  try {
    return `accepted: ${await verifyAccessToken(token, trusted, AUDIENCE)}`;
  } catch (error) {
    if (error instanceof InvalidAccessToken) return error.reason;
    throw error;
  }
}

beforeAll(async () => {
  es = await keyPair("ES256", "es-1");
  rs = await keyPair("RS256", "rs-1");
  stranger = await keyPair("ES256", "es-1");
  trusted = { issuer: ISSUER, keys: createLocalJWKSet({ keys: [es.publicJwk, rs.publicJwk] }) };
});

describe("access token verification (auth/access-token.ts)", () => {
  it("accepts ES256 and RS256 tokens of the issuer's keys, for the audience: the customer is `sub`", async () => {
    expect(await verdict(await sign(es))).toBe("accepted: alice");
    expect(await verdict(await sign(rs, { sub: "bob.b_2-x" }))).toBe("accepted: bob.b_2-x");
    // An audience list that names this API is for it.
    expect(await verdict(await sign(es, { aud: ["other", AUDIENCE] }))).toBe("accepted: alice");
  });

  it("refuses a signature by another key, even one claiming a trusted kid", async () => {
    expect(await verdict(await sign(stranger))).toBe("the token's signature is not valid");
    expect(await verdict(await sign(es, {}, "unknown-kid"))).toBe(
      "the token is signed by an unknown key",
    );
  });

  it("refuses another issuer or audience", async () => {
    expect(await verdict(await sign(es, { iss: "https://evil.test/" }))).toBe(
      "the token is from another issuer",
    );
    expect(await verdict(await sign(es, { aud: "another-api" }))).toBe(
      "the token is for another audience",
    );
    expect(await verdict(await sign(es, { aud: undefined }))).toMatch(/audience|aud/);
  });

  it(`allows ${CLOCK_SKEW_SECONDS} s of clock skew on exp and nbf, and not a second more`, async () => {
    const skew = CLOCK_SKEW_SECONDS;
    expect(await verdict(await sign(es, { exp: now() - skew + 5 }))).toBe("accepted: alice");
    expect(await verdict(await sign(es, { exp: now() - skew - 5 }))).toBe("the token has expired");
    expect(await verdict(await sign(es, { nbf: now() + skew - 5 }))).toBe("accepted: alice");
    expect(await verdict(await sign(es, { nbf: now() + skew + 5 }))).toBe(
      "the token is not valid yet",
    );
  });

  it("requires exp and sub: a token without them would never end or name nobody", async () => {
    expect(await verdict(await sign(es, { exp: undefined }))).toMatch(/exp/);
    expect(await verdict(await sign(es, { sub: undefined }))).toMatch(/sub/);
  });

  it("refuses a subject that is not a customer id, and `me` (it names the caller's own)", async () => {
    for (const sub of ["me", "a/b", "", "x".repeat(65), "café"]) {
      expect(await verdict(await sign(es, { sub })), sub).toMatch(/subject|sub/);
    }
  });

  it("refuses a symmetric or unsigned token and what is not a JWT", async () => {
    const secret = new TextEncoder().encode("a-shared-secret-of-thirty-two-bytes!");
    const hs = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256", kid: "es-1" })
      .sign(secret);
    expect(await verdict(hs)).toBe("the token's algorithm is not accepted");
    const [, payload] = (await sign(es)).split(".");
    const none = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${payload}.`;
    expect(await verdict(none)).toMatch(/not accepted|malformed/);
    expect(await verdict("not-a-jwt")).toBe("the token is malformed");
  });

  it("names a customer from a sub only when it is an id and not reserved (customerIdOf)", () => {
    expect(customerIdOf("alice")).toBe("alice");
    expect(customerIdOf("me")).toBeUndefined();
    expect(customerIdOf(42)).toBeUndefined();
    expect(customerIdOf("a b")).toBeUndefined();
  });
});
