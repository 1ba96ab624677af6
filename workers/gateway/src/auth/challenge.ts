import { HttpError } from "@edge-saga/shared";

/** The protection space named in every customer challenge. */
export const REALM = "edge-saga";

const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined when there is none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return BEARER.exec(authorization ?? "")?.[1];
}

/**
 * `WWW-Authenticate` of a refused customer request (RFC 6750 section 3): with no token sent,
 * the bare challenge (no error attribute); with one, `error="invalid_token"` and why.
 * @example challenge() // 'Bearer realm="edge-saga"'
 */
export function challenge(description?: string): string {
  if (description === undefined) return `Bearer realm="${REALM}"`;
  const quoted = description.replace(/["\\]/g, "");
  return `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted}"`;
}

/** 401 UNAUTHENTICATED with its challenge; `reason` when a token was sent and refused. */
export function unauthenticated(reason?: string): HttpError {
  const message =
    reason === undefined
      ? "an access token is required"
      : `the access token is not valid: ${reason}`;
  return new HttpError(401, "UNAUTHENTICATED", message, undefined, {
    "www-authenticate": challenge(reason),
  });
}
