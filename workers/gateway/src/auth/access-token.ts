import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";

/** Clock difference tolerated on `exp` and `nbf` between the issuer and this gateway. */
export const CLOCK_SKEW_SECONDS = 30;
/** Signatures accepted: asymmetric only, so no shared secret can sign a token. */
export const ACCEPTED_ALGORITHMS = ["ES256", "RS256"];
/** Customer ids as everywhere in the API. */
const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** `me` names the caller's own account in paths (`/customers/me/...`): no customer is called so. */
export const RESERVED_CUSTOMER_IDS: ReadonlySet<string> = new Set(["me"]);

/** A token the gateway refuses; `reason` is safe to tell the client (RFC 6750 error_description). */
export class InvalidAccessToken extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "InvalidAccessToken";
  }
}

/** An issuer the gateway trusts: its `iss` and where its signing keys come from. */
export interface TrustedIssuer {
  issuer: string;
  keys: JWTVerifyGetKey;
}

/**
 * The customer a token's `sub` names, or undefined when it cannot name one (not an id, or `me`).
 * @example customerIdOf("alice") // "alice"; customerIdOf("me") // undefined
 */
export function customerIdOf(sub: unknown): string | undefined {
  if (typeof sub !== "string" || !CUSTOMER_ID.test(sub) || RESERVED_CUSTOMER_IDS.has(sub)) {
    return undefined;
  }
  return sub;
}

/**
 * Verifies an access token issued by `trusted` for `audience` and answers the customer (`sub`).
 * The signature must be ES256/RS256 by a key of the issuer's set (by `kid`); `iss` and `aud`
 * must match; `exp` is required and, like `nbf`, checked with CLOCK_SKEW_SECONDS of tolerance.
 * Anything else: InvalidAccessToken. A failure to fetch the keys is thrown as it is (not the
 * client's fault; the caller decides how to answer it).
 */
export async function verifyAccessToken(
  token: string,
  trusted: TrustedIssuer,
  audience: string,
  currentDate?: Date,
): Promise<string> {
  let sub: unknown;
  try {
    const { payload } = await jwtVerify(token, trusted.keys, {
      issuer: trusted.issuer,
      audience,
      algorithms: ACCEPTED_ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ["exp", "sub"],
      currentDate,
    });
    sub = payload.sub;
  } catch (error) {
    throw refusal(error);
  }
  const customerId = customerIdOf(sub);
  if (customerId === undefined)
    throw new InvalidAccessToken("the token's subject is not a customer id");
  return customerId;
}

/** jose's verdict as a reason for the client; key-fetch failures pass through untouched. */
function refusal(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return new InvalidAccessToken("the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return new InvalidAccessToken("the token is not valid yet");
    if (error.claim === "aud") return new InvalidAccessToken("the token is for another audience");
    if (error.claim === "iss") return new InvalidAccessToken("the token is from another issuer");
    return new InvalidAccessToken(`the token's ${error.claim} claim is not valid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidAccessToken("the token's signature is not valid");
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new InvalidAccessToken("the token is signed by an unknown key");
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new InvalidAccessToken("the token's algorithm is not accepted");
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new InvalidAccessToken("the token is malformed");
  }
  return error;
}
