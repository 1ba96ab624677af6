import { createRoute } from "@hono/zod-openapi";
import { CustomerOrdersQuery } from "../../index";
import { composites, schemas } from "../components";
import {
  adminOnly,
  BAD_BODY,
  BAD_ID,
  COMMON,
  CustomerPath,
  customerAccess,
  customerErrors,
  errors,
  HistoryPageQuery,
  json,
  LedgerPageQuery,
  requestBody,
  TAGS,
  upstream,
  withRequestId,
} from "../describe";
import { RewardsHistory } from "../schemas";

/** The gateway's own refusal of another customer's account, before any service is asked. */
const NOT_YOURS =
  "`FORBIDDEN`: a customer's token for another customer's id (use your own id, or `me`).";
/** `me` names the caller's own account: an admin has none. */
const ADMIN_ME = "Also `me` with the admin token (an admin names the customer).";

/**
 * `/customers/{id}/...`: a customer's order history (view) and points (rewards). A customer
 * reads her own (`{id}` her id or `me`); an admin reads any customer's; grants are admin-only.
 */
export const customerRoutes = {
  listCustomerOrders: createRoute({
    operationId: "listCustomerOrders",
    method: "get",
    path: "/customers/{id}/orders",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "A customer's order history (read model)",
    description:
      "Served by the view service, a read model fed by every service's events: each order with " +
      "its lines (product names and current prices), status, reservation state and points " +
      "redeemed, earned and awarded. Eventually consistent: an order appears, and catches up, " +
      "a moment after the services changed it (`GET /orders/{id}` is the order service's own " +
      "answer). Newest first, one page at a time.",
    request: { params: CustomerPath, query: CustomerOrdersQuery, headers: withRequestId() },
    responses: {
      200: json("One page of the customer's orders.", composites.CustomerOrders, {
        "X-Read-Store": {
          description:
            "Which store answered: `kv` (her order list in Workers KV, projected from the view " +
            "at most a couple of minutes ago, no database call) or `d1` (the view's database).",
          schema: { type: "string" },
          required: true,
        },
      }),
      ...customerErrors({
        400: `${BAD_ID} Or an invalid \`cursor\` / \`limit\`. ${ADMIN_ME}`,
        403: NOT_YOURS,
        502: upstream("view"),
      }),
    },
  }),
  getRewards: createRoute({
    operationId: "getRewards",
    method: "get",
    path: "/customers/{id}/rewards",
    tags: [TAGS.rewards],
    ...customerAccess,
    summary: "Get a customer's points",
    description: "A customer who never had points has an all-zero account (never a 404).",
    request: { params: CustomerPath, headers: withRequestId() },
    responses: {
      200: json("The rewards account.", schemas.RewardsAccount),
      ...customerErrors({ 400: `${BAD_ID} ${ADMIN_ME}`, 403: NOT_YOURS, 502: upstream("rewards") }),
    },
  }),
  getRewardsLedger: createRoute({
    operationId: "getRewardsLedger",
    method: "get",
    path: "/customers/{id}/rewards/ledger",
    tags: [TAGS.rewards],
    ...customerAccess,
    summary: "Get a customer's points ledger",
    description: "Grants, redemptions, earnings, refunds and clawbacks, newest first.",
    request: { params: CustomerPath, query: LedgerPageQuery, headers: withRequestId() },
    responses: {
      200: json("The latest ledger entries.", schemas.Ledger),
      ...customerErrors({
        400: `${BAD_ID} Also an invalid or unknown query parameter. ${ADMIN_ME}`,
        403: NOT_YOURS,
        502: upstream("rewards"),
      }),
    },
  }),
  getRewardsHistory: createRoute({
    operationId: "getRewardsHistory",
    method: "get",
    path: "/customers/{id}/rewards/history",
    tags: [TAGS.rewards],
    ...customerAccess,
    summary: "Get a customer's points history",
    description:
      "Every ledger entry the account is folded from (grants, holds and their release or " +
      "capture, earnings, refunds, clawbacks), newest first, paged.",
    request: { params: CustomerPath, query: HistoryPageQuery, headers: withRequestId() },
    responses: {
      200: json("A page of the ledger.", RewardsHistory),
      ...customerErrors({
        400: `${BAD_ID} Also an invalid or unknown query parameter. ${ADMIN_ME}`,
        403: NOT_YOURS,
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
      "Adds points to the customer's balance (creating the account if needed). Admin only: a " +
      "customer's access token is refused (403).",
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
          400: `${BAD_ID} ${BAD_BODY} ${ADMIN_ME}`,
          413: COMMON[413],
          415: COMMON[415],
          502: upstream("rewards"),
        },
        true,
      ),
    },
  }),
};
