import { type Request as MiniflareRequest, Response } from "miniflare";

/** What an echo service answers: what it was sent. */
export interface Echo {
  service: string;
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A stand-in service for a Worker's tests (vitest.config.ts `serviceBindings`): it echoes what
 * it was sent, so the tests see exactly which service got which method, path, query, headers
 * and body. The real services have their own suites and e2e covers them together.
 */
export function echoService(service: string) {
  return async (request: MiniflareRequest) => {
    const url = new URL(request.url);
    if (url.pathname === "/admin/outbox") {
      return Response.json({ service, pending: 0, relay: { ok: true } });
    }
    if (url.pathname === "/admin/dead-letters") {
      return Response.json({ service, deadLetters: [] });
    }
    const echo: Echo = {
      service,
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    };
    return Response.json(echo, {
      status: url.searchParams.get("status") === "201" ? 201 : 200,
      headers: {
        location: `/echo/${service}`,
        "idempotent-replayed": "true",
        // A service must not be able to replace the gateway's request id.
        "x-request-id": "set-by-service",
      },
    });
  };
}

/**
 * Stand-ins for the services a Worker calls, by binding: each service's name upper-cased.
 * @example echoServices("order", "psp") // { ORDER: echoService("order"), PSP: echoService("psp") }
 */
export function echoServices(...services: string[]) {
  return Object.fromEntries(
    services.map((service) => [service.toUpperCase(), echoService(service)]),
  );
}
