import { IdSchema } from "@edge-saga/shared/events";
import { createRoute, z } from "@hono/zod-openapi";
import {
  AUTH_TAG,
  BAD_BODY,
  COMMON,
  errors,
  json,
  publicAccess,
  requestBody,
  withRequestId,
} from "../describe";

/** Whom the dev issuer signs a token for: any id but `me` (which names the caller's own). */
export const DevTokenInput = z
  .object({
    customerId: IdSchema.refine((id) => id !== "me", "`me` is reserved").meta({
      description: "The customer to sign in as (`^[A-Za-z0-9._-]{1,64}$`, not `me`).",
    }),
  })
  .strict()
  .meta({ id: "DevTokenInput", example: { customerId: "alice" } });

export const DevToken = z
  .object({
    accessToken: z.string().meta({ description: "A JWT (ES256) for the customer." }),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().meta({ description: "Seconds the token is valid for." }),
  })
  .meta({ id: "DevToken" });

/** An ES256 public key as a JWKS lists it: never the private `d`. */
const PublicJwk = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  x: z.string(),
  y: z.string(),
  kid: z.string(),
  alg: z.literal("ES256"),
  use: z.literal("sig"),
});
export const Jwks = z.object({ keys: z.array(PublicJwk) }).meta({ id: "Jwks" });

const LOCAL_ONLY =
  "Exists only where the gateway runs the local dev issuer (its secret AUTH_DEV_ISSUER_KEY is " +
  "set: `npm run dev` and every local stack); elsewhere, production included, it answers 404 " +
  "like any unknown path.";

/** The local dev issuer: sign-in for development and tests, never deployed. */
export const authRoutes = {
  issueDevToken: createRoute({
    operationId: "issueDevToken",
    method: "post",
    path: "/auth/dev/token",
    tags: [AUTH_TAG],
    ...publicAccess,
    summary: "Sign in as a customer (local dev issuer)",
    description:
      "Signs an access token for the customer named, with no password: for development and " +
      `tests only. Send it as \`Authorization: Bearer <accessToken>\`. ${LOCAL_ONLY}`,
    request: {
      headers: withRequestId(),
      body: requestBody(DevTokenInput, "Whom to sign in as."),
    },
    responses: {
      200: json("A signed access token, valid for an hour.", DevToken),
      ...errors({
        400: BAD_BODY,
        404: "`NOT_FOUND`: the dev issuer is not running here.",
        413: COMMON[413],
        415: COMMON[415],
      }),
    },
  }),
  getDevJwks: createRoute({
    operationId: "getDevJwks",
    method: "get",
    path: "/.well-known/jwks.json",
    tags: [AUTH_TAG],
    ...publicAccess,
    summary: "The local dev issuer's public keys (JWKS)",
    description: `What a verifier checks the dev issuer's tokens with (RFC 7517). ${LOCAL_ONLY}`,
    request: { headers: withRequestId() },
    responses: {
      200: json("The public keys, by `kid`.", Jwks),
      ...errors({ 404: "`NOT_FOUND`: the dev issuer is not running here." }),
    },
  }),
};
