import { decodeJwt } from "jose";
import { InvalidAccessToken, type TrustedIssuer, verifyAccessToken } from "./access-token";
import { DEV_ISSUER, devIssuer } from "./dev-issuer";
import { remoteKeySet } from "./key-sets";

/** What the gateway's configuration says about customer tokens. */
export interface AuthConfig {
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  AUTH_JWKS_URL?: string;
  AUTH_DEV_ISSUER_KEY?: string;
}

/** The audience a token must name when none is configured (root wrangler.toml's default). */
export const DEFAULT_AUDIENCE = "edge-saga-api";

/**
 * The issuers the gateway trusts: production's (AUTH_ISSUER with the keys at AUTH_JWKS_URL,
 * when both are set) and the local dev issuer's (when AUTH_DEV_ISSUER_KEY is set).
 */
export async function trustedIssuers(config: AuthConfig): Promise<TrustedIssuer[]> {
  const trusted: TrustedIssuer[] = [];
  if (config.AUTH_ISSUER && config.AUTH_JWKS_URL) {
    trusted.push({ issuer: config.AUTH_ISSUER, keys: remoteKeySet(config.AUTH_JWKS_URL) });
  }
  const dev = devIssuer(config.AUTH_DEV_ISSUER_KEY);
  if (dev !== undefined) trusted.push({ issuer: DEV_ISSUER, keys: (await dev).keys });
  return trusted;
}

/**
 * The customer an access token names, verified against the issuer its `iss` claims (only then
 * checked: an unverified claim just picks which keys to try; jose checks `iss` again).
 */
export async function verifyCustomerToken(token: string, config: AuthConfig): Promise<string> {
  let claimed: unknown;
  try {
    claimed = decodeJwt(token).iss;
  } catch {
    throw new InvalidAccessToken("the token is malformed");
  }
  const trusted = (await trustedIssuers(config)).find((candidate) => candidate.issuer === claimed);
  if (trusted === undefined) throw new InvalidAccessToken("the token is from another issuer");
  return verifyAccessToken(token, trusted, config.AUTH_AUDIENCE || DEFAULT_AUDIENCE);
}
