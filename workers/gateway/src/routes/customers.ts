import { customerRoutes } from "@edge-saga/contracts/http";
import { proxied } from "./served";

/** `/customers/{id}/...`: the order history from the view, points from rewards (grants: admin). */
export const customers = [
  proxied(customerRoutes.listCustomerOrders, "view"),
  proxied(customerRoutes.getRewards, "rewards"),
  proxied(customerRoutes.getRewardsLedger, "rewards"),
  proxied(customerRoutes.getRewardsHistory, "rewards"),
  proxied(customerRoutes.grantPoints, "rewards"),
];
