import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import {
  type inventorySnapshotRoutes,
  type orderSnapshotRoutes,
  type paymentSnapshotRoutes,
  type pspLedgerRoutes,
  type rewardsSnapshotRoutes,
  serviceClient,
  type viewSnapshotRoutes,
} from "@edge-saga/contracts/http";
import { callService, HttpError } from "@edge-saga/shared";
import type {
  deadLetterRouteDefinitions,
  outboxRouteDefinitions,
} from "@edge-saga/shared/admin-routes";
import type { RouteConfig } from "@hono/zod-openapi";
import type { ClientResponse } from "hono/client";
import type { BoundService } from "./types";

/** The kit's admin routes operations reads of every Worker (relative to `/admin`). */
type KitReads = Pick<
  typeof outboxRouteDefinitions,
  "getOutbox" | "getPublishedEvents" | "getHandledEvents" | "getEffects" | "getTrace"
> &
  Pick<typeof deadLetterRouteDefinitions, "listDeadLetters">;

/**
 * The PSP sandbox's test secret (workers/psp-sandbox/wrangler.toml), as the payment service
 * sends it: only ever over the local PSP binding, never to a real processor.
 */
const SANDBOX_SECRET = "sk_test_sandbox";

/** A Worker this one reads: a service, the view, or the card processor's sandbox. */
export type Source = BoundService | "psp";

/**
 * A `fetch` over `source`'s service binding (`callService`: a missing or failing binding is a
 * 502 `UPSTREAM_UNAVAILABLE`), carrying the request id. Reads only: no body is sent.
 */
function bindingFetch(env: Env, source: Source, requestId: string): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    request.headers.set(REQUEST_ID_HEADER, requestId);
    return callService(env, source, url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
    });
  };
}

/**
 * Typed clients of the Workers operations reads, over its service bindings: each one's kit admin
 * routes and its own snapshot routes at `/admin`, the sandbox's ledger at its own paths. Calls
 * and answers are typed by the route definitions the Workers serve.
 */
export function readClients(env: Env, requestId: string) {
  const opts = (source: Source) => ({ fetch: bindingFetch(env, source, requestId) });
  const admin = <Routes extends Record<string, RouteConfig>>(service: BoundService) =>
    serviceClient<KitReads & Routes>(`https://${service}.internal/admin`, opts(service));
  return {
    order: admin<typeof orderSnapshotRoutes>("order"),
    inventory: admin<typeof inventorySnapshotRoutes>("inventory"),
    rewards: admin<typeof rewardsSnapshotRoutes>("rewards"),
    payment: admin<typeof paymentSnapshotRoutes>("payment"),
    view: admin<typeof viewSnapshotRoutes>("view"),
    psp: serviceClient<typeof pspLedgerRoutes>("https://psp.internal", {
      ...opts("psp"),
      adminToken: SANDBOX_SECRET,
    }),
  };
}

export type ReadClients = ReturnType<typeof readClients>;

export type AnyResponse = ClientResponse<unknown, number, string>;
/** The body a call's route definition gives its 200 answer. */
export type OkBody<R> = R extends ClientResponse<infer T, 200, "json"> ? T : never;

/** The 200 answer's body of a typed call; any other answer is a 502 `UPSTREAM_FAILED`. */
export async function bodyOf<R extends AnyResponse>(
  source: Source,
  pending: Promise<R>,
): Promise<OkBody<R>> {
  const res = await pending;
  // A binding's answer may carry no url (a stand-in's): then the message names no path.
  const path = res.url ? ` to ${new URL(res.url).pathname}` : "";
  const refused = () =>
    new HttpError(502, "UPSTREAM_FAILED", `${source} answered ${res.status}${path}`);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw refused();
  }
  try {
    return (await res.json()) as OkBody<R>;
  } catch {
    throw refused();
  }
}
