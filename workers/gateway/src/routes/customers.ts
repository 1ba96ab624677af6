import { customerRoutes, pathOf } from "@edge-saga/contracts/http";
import type { RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { customerOfPath } from "../auth/customer-path";
import { forward } from "../proxy/forward";
import type { BoundService, GatewayEnv } from "../types";
import { checksOf, type Served, served } from "./served";

/**
 * A `/customers/{id}/...` route forwarded for the customer it is about: `me` becomes the caller's
 * own id, and a customer naming another is refused (403) here, before any service is asked.
 */
const forCustomer = (config: RouteConfig, service: BoundService): Served =>
  served(config, ...checksOf(config), (c: Context<GatewayEnv>) => {
    const caller = c.get("caller");
    // The route's security put a caller here; without one the route was mounted unguarded.
    if (caller === undefined) throw new Error(`${config.path}: no caller checked`);
    const id = customerOfPath(caller, c.req.param("id") ?? "");
    return forward(c, service, pathOf(config, { ...c.req.param(), id }));
  });

/** `/customers/{id}/...`: the order history from the view, points from rewards (grants: admin). */
export const customers = [
  forCustomer(customerRoutes.listCustomerOrders, "view"),
  forCustomer(customerRoutes.getRewards, "rewards"),
  forCustomer(customerRoutes.getRewardsLedger, "rewards"),
  forCustomer(customerRoutes.getRewardsHistory, "rewards"),
  forCustomer(customerRoutes.grantPoints, "rewards"),
];
