import { authRoutes, DevTokenInput } from "@edge-saga/contracts/http";
import { HttpError, refuseInvalid } from "@edge-saga/shared";
import type { Context, MiddlewareHandler } from "hono";
import { DEV_TOKEN_LIFETIME_SECONDS, devIssuer } from "../auth/dev-issuer";
import { DEFAULT_AUDIENCE } from "../auth/trusted-issuers";
import type { GatewayEnv } from "../types";
import { checksOf, type Served, served } from "./served";

/** Where the dev issuer answers; app.ts guards them with `whileDevIssuerRuns`, any method. */
export const DEV_ISSUER_PATHS = ["/auth/dev/*", "/.well-known/jwks.json"];

/**
 * The dev issuer's routes exist only while it runs: otherwise a 404 like any unknown path (and
 * not a 405 for another method, which would tell that they exist).
 */
export const whileDevIssuerRuns: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (devIssuer(c.env.AUTH_DEV_ISSUER_KEY) === undefined) return c.notFound();
  await next();
};

const decoder = new TextDecoder();

/** `POST /auth/dev/token {"customerId"}`: a signed access token for that customer. */
async function issueDevToken(c: Context<GatewayEnv>) {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(c.get("body") ?? new Uint8Array()));
  } catch {
    throw new HttpError(400, "MALFORMED_JSON", "request body is not valid JSON");
  }
  const input = DevTokenInput.safeParse(json);
  if (!input.success) refuseInvalid({ success: false, target: "json", error: input.error });
  const issuer = await devIssuer(c.env.AUTH_DEV_ISSUER_KEY)!;
  const audience = c.env.AUTH_AUDIENCE || DEFAULT_AUDIENCE;
  return c.json({
    accessToken: await issuer.sign(input.data!.customerId, audience),
    tokenType: "Bearer" as const,
    expiresIn: DEV_TOKEN_LIFETIME_SECONDS,
  });
}

/** `GET /.well-known/jwks.json`: the dev issuer's public key, by its `kid`. */
async function devJwks(c: Context<GatewayEnv>) {
  const issuer = await devIssuer(c.env.AUTH_DEV_ISSUER_KEY)!;
  return c.json({ keys: [issuer.publicJwk] });
}

/** The local dev issuer (sign-in for development and tests); never switched on in production. */
export const auth: Served[] = [
  served(authRoutes.issueDevToken, ...checksOf(authRoutes.issueDevToken), issueDevToken),
  served(authRoutes.getDevJwks, devJwks),
];
