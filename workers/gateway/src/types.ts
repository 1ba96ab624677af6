/** The services the gateway fronts, each reached only through its service binding. */
export const SERVICES = ["order", "inventory", "rewards", "payment"] as const;
export type ServiceName = (typeof SERVICES)[number];
/**
 * Every Worker behind the gateway, each reached through the binding named like it in capitals:
 * the services, the view (a read model) and the operations tools.
 */
export type BoundService = ServiceName | "view" | "operations";

/** Hono environment of the gateway: bindings plus what middleware hands to the route handlers. */
export interface GatewayEnv {
  Bindings: Env;
  Variables: {
    /** Id of this request, sent to the service and returned on every answer. */
    requestId: string;
    /** The checked request body (JSON, at most 64 KB), or null when the request has none. */
    body: Uint8Array | null;
  };
}
