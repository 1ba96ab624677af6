import { createRemoteJWKSet, customFetch, type FetchImplementation, type RemoteJWKSet } from "jose";

/**
 * Least time between two fetches of a key set (jose's default): a token with an unknown `kid`
 * fetches the set again (the issuer rotated its keys), but a flood of made-up kids cannot make
 * the gateway hammer the issuer.
 */
export const JWKS_COOLDOWN_MS = 30_000;

export interface KeySetOptions {
  /** How the set is fetched: the runtime's fetch unless a test serves its own (jose customFetch). */
  fetch?: FetchImplementation;
  cooldownMs?: number;
}

/**
 * A key set fetched from `url` and kept: jose refetches it when a token names a `kid` it does
 * not hold (after the cooldown) and when it is older than its cache age (10 min).
 * @example await jwtVerify(token, keySetAt("https://idp.example/.well-known/jwks.json"))
 */
export function keySetAt(url: string, options: KeySetOptions = {}): RemoteJWKSet {
  return createRemoteJWKSet(new URL(url), {
    cooldownDuration: options.cooldownMs ?? JWKS_COOLDOWN_MS,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });
}

/** Key sets by URL, kept for the isolate's life: each request must not fetch the keys again. */
const cached = new Map<string, RemoteJWKSet>();

/** The production key set at `url`, one per isolate. */
export function remoteKeySet(url: string): RemoteJWKSet {
  let set = cached.get(url);
  if (set === undefined) {
    set = keySetAt(url);
    cached.set(url, set);
  }
  return set;
}
