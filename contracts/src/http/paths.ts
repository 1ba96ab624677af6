import type { RouteConfig } from "@hono/zod-openapi";

/** A route's path as Hono routes it: `/orders/{id}` -> `/orders/:id`. */
export const honoPath = (route: Pick<RouteConfig, "path">): string =>
  route.path.replace(/\{(\w+)\}/g, ":$1");

/**
 * A route's path with its parameters filled in, each one percent-encoded.
 * @example pathOf(orderRoutes.getOrder, { id: "o-1" }) // "/orders/o-1"
 */
export function pathOf(route: Pick<RouteConfig, "path">, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
