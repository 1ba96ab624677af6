import { customerRoutes } from "@edge-saga/contracts/http";
import { requireAdmin } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import { served } from "./served";

/** `/customers/{id}/...`: the order history from the view, points from rewards (grants: admin). */
export const customers = [
  served(customerRoutes.listCustomerOrders, validIds, (c) =>
    forward(c, "view", `/customers/${c.req.param("id")}/orders`),
  ),
  served(customerRoutes.getRewards, validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards`),
  ),
  served(customerRoutes.getRewardsLedger, validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/ledger`),
  ),
  served(customerRoutes.getRewardsHistory, validIds, (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/history`),
  ),
  served(customerRoutes.grantPoints, requireAdmin, validIds, jsonBody({ required: true }), (c) =>
    forward(c, "rewards", `/customers/${c.req.param("id")}/rewards/grants`),
  ),
];
