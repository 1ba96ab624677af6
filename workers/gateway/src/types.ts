/** The services the gateway fronts, each reached only through its service binding. */
export const SERVICES = ["order", "inventory", "rewards", "payment"] as const;
export type ServiceName = (typeof SERVICES)[number];
/**
 * Every Worker behind the gateway, each reached through the binding named like it in capitals:
 * the services, the view (a read model) and the operations tools.
 */
export type BoundService = ServiceName | "view" | "operations";

import type { Caller, TraceContext } from "@edge-saga/shared";

/**
 * The gateway's bindings: its generated `Env`, plus the dev issuer's secret, which only local
 * runs set (never production), so `wrangler types` cannot see it.
 */
export type GatewayBindings = Env & { AUTH_DEV_ISSUER_KEY?: string };

/** Hono environment of the gateway: bindings plus what middleware hands to the route handlers. */
export interface GatewayEnv {
  Bindings: GatewayBindings;
  Variables: {
    /** Who calls, once the route's security let the request through (none on a public route). */
    caller?: Caller;
    /** Id of this request, sent to the service and returned on every answer. */
    requestId: string;
    /** This request's span (W3C Trace Context), handed on to every service called. */
    trace: TraceContext;
    /** The checked request body (JSON, at most 64 KB), or null when the request has none. */
    body: Uint8Array | null;
  };
}
