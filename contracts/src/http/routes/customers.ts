import { createRoute } from "@hono/zod-openapi";
import { CustomerOrdersQuery } from "../../index";
import { composites, schemas } from "../components";
import {
  adminOnly,
  BAD_BODY,
  BAD_ID,
  COMMON,
  CustomerPath,
  errors,
  HistoryPageQuery,
  json,
  LedgerPageQuery,
  publicAccess,
  requestBody,
  TAGS,
  upstream,
  withRequestId,
} from "../describe";
import { RewardsHistory } from "../schemas";

/** `/customers/{id}/...`: a customer's order history (view) and points (rewards). */
export const customerRoutes = {
  listCustomerOrders: createRoute({
    operationId: "listCustomerOrders",
    method: "get",
    path: "/customers/{id}/orders",
    tags: [TAGS.orders],
    ...publicAccess,
    summary: "A customer's order history (read model)",
    description:
      "Served by the view service, a read model fed by every service's events: each order with " +
      "its lines (product names and current prices), status, reservation state and points " +
      "redeemed, earned and awarded. Eventually consistent: an order appears, and catches up, " +
      "a moment after the services changed it (`GET /orders/{id}` is the order service's own " +
      "answer). Newest first, one page at a time.",
    request: { params: CustomerPath, query: CustomerOrdersQuery, headers: withRequestId() },
    responses: {
      200: json("One page of the customer's orders.", composites.CustomerOrders),
      ...errors({
        400: `${BAD_ID} Or an invalid \`cursor\` / \`limit\`.`,
        502: upstream("view"),
      }),
    },
  }),
  getRewards: createRoute({
    operationId: "getRewards",
    method: "get",
    path: "/customers/{id}/rewards",
    tags: [TAGS.rewards],
    ...publicAccess,
    summary: "Get a customer's points",
    description: "A customer who never had points has an all-zero account (never a 404).",
    request: { params: CustomerPath, headers: withRequestId() },
    responses: {
      200: json("The rewards account.", schemas.RewardsAccount),
      ...errors({ 400: BAD_ID, 502: upstream("rewards") }),
    },
  }),
  getRewardsLedger: createRoute({
    operationId: "getRewardsLedger",
    method: "get",
    path: "/customers/{id}/rewards/ledger",
    tags: [TAGS.rewards],
    ...publicAccess,
    summary: "Get a customer's points ledger",
    description: "Grants, redemptions, earnings, refunds and clawbacks, newest first.",
    request: { params: CustomerPath, query: LedgerPageQuery, headers: withRequestId() },
    responses: {
      200: json("The latest ledger entries.", schemas.Ledger),
      ...errors({
        400: `${BAD_ID} Also an invalid or unknown query parameter.`,
        502: upstream("rewards"),
      }),
    },
  }),
  getRewardsHistory: createRoute({
    operationId: "getRewardsHistory",
    method: "get",
    path: "/customers/{id}/rewards/history",
    tags: [TAGS.rewards],
    ...publicAccess,
    summary: "Get a customer's points history",
    description:
      "Every ledger entry the account is folded from (grants, holds and their release or " +
      "capture, earnings, refunds, clawbacks), newest first, paged.",
    request: { params: CustomerPath, query: HistoryPageQuery, headers: withRequestId() },
    responses: {
      200: json("A page of the ledger.", RewardsHistory),
      ...errors({
        400: `${BAD_ID} Also an invalid or unknown query parameter.`,
        502: upstream("rewards"),
      }),
    },
  }),
  grantPoints: createRoute({
    operationId: "grantPoints",
    method: "post",
    path: "/customers/{id}/rewards/grants",
    tags: [TAGS.rewards],
    summary: "Grant points",
    description:
      "Adds points to the customer's balance (creating the account if needed). Admin only.",
    ...adminOnly,
    request: {
      params: CustomerPath,
      headers: withRequestId(),
      body: requestBody(schemas.GrantInput, "How many points, and why."),
    },
    responses: {
      201: json("The grant and the account after it.", composites.GrantAnswer),
      ...errors(
        {
          400: `${BAD_ID} ${BAD_BODY}`,
          413: COMMON[413],
          415: COMMON[415],
          502: upstream("rewards"),
        },
        true,
      ),
    },
  }),
};
