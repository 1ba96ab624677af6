/** The services the gateway fronts, each reached only through its service binding. */
export const SERVICES = ["order", "inventory", "rewards"] as const;
export type ServiceName = (typeof SERVICES)[number];
/** Every Worker behind the gateway: the services plus the view (a read model, no outbox of its own). */
export type BoundService = ServiceName | "view";

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

/** The service binding for `service`. */
export function serviceBinding(env: Env, service: BoundService): Fetcher {
  switch (service) {
    case "order":
      return env.ORDER;
    case "inventory":
      return env.INVENTORY;
    case "rewards":
      return env.REWARDS;
    case "view":
      return env.VIEW;
  }
}
