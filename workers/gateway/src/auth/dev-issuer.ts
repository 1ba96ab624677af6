import { createLocalJWKSet, importJWK, type JWK, type JWTVerifyGetKey, SignJWT } from "jose";

/** The `iss` of the tokens the local dev issuer signs (never a production issuer's). */
export const DEV_ISSUER = "urn:edge-saga:dev-issuer";
/** How long a dev token is valid. */
export const DEV_TOKEN_LIFETIME_SECONDS = 3600;

/** The public half of an ES256 key as a JWKS lists it: the private `d` never leaves. */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use: "sig";
}

export interface DevIssuer {
  kid: string;
  publicJwk: PublicJwk;
  /** Verifies the tokens it signed. */
  keys: JWTVerifyGetKey;
  sign(customerId: string, audience: string, now?: number): Promise<string>;
}

/**
 * The public part of the dev issuer's key (AUTH_DEV_ISSUER_KEY: a private P-256 JWK with `kid`).
 * Throws on anything else: a misconfigured secret must not become a silently open door.
 */
export function publicJwkOf(secret: string): PublicJwk {
  const jwk = JSON.parse(secret) as Partial<Record<string, unknown>>;
  const { kty, crv, x, y, d, kid } = jwk;
  if (kty !== "EC" || crv !== "P-256" || typeof d !== "string") {
    throw new Error("AUTH_DEV_ISSUER_KEY must be a private EC P-256 JWK");
  }
  if (typeof x !== "string" || typeof y !== "string" || typeof kid !== "string" || kid === "") {
    throw new Error("AUTH_DEV_ISSUER_KEY must carry x, y and a kid");
  }
  return { kty, crv, x, y, kid, alg: "ES256", use: "sig" };
}

async function load(secret: string): Promise<DevIssuer> {
  const publicJwk = publicJwkOf(secret);
  const privateKey = await importJWK(JSON.parse(secret) as JWK, "ES256");
  return {
    kid: publicJwk.kid,
    publicJwk,
    keys: createLocalJWKSet({ keys: [publicJwk] }),
    sign: (customerId, audience, now = Date.now()) => {
      const issuedAt = Math.floor(now / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: "ES256", kid: publicJwk.kid, typ: "JWT" })
        .setIssuer(DEV_ISSUER)
        .setAudience(audience)
        .setSubject(customerId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + DEV_TOKEN_LIFETIME_SECONDS)
        .sign(privateKey);
    },
  };
}

/** One loaded issuer per secret for the isolate's life (importing a key is not free). */
const loaded = new Map<string, Promise<DevIssuer>>();

/** The dev issuer when AUTH_DEV_ISSUER_KEY is set, else undefined (it is off). */
export function devIssuer(secret: string | undefined): Promise<DevIssuer> | undefined {
  if (secret === undefined || secret.trim() === "") return undefined;
  let issuer = loaded.get(secret);
  if (issuer === undefined) {
    issuer = load(secret);
    // A bad secret fails each time it is asked about, not once and then never again.
    issuer.catch(() => loaded.delete(secret));
    loaded.set(secret, issuer);
  }
  return issuer;
}
