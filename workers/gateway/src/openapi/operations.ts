import { CustomerOrdersQuery, IdParam, OrderListQuery, SkuParam } from "@edge-saga/contracts";
import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { MAX_BODY_BYTES } from "../middleware/json-body";
import { ADMIN_SECURITY, composites, requestIdHeader, requestIdParam, schemas } from "./components";
import {
  HistoryQuery,
  IdempotencyKey,
  LedgerQuery,
  RewardsHistory,
  ServiceAdminAnswer,
  ServiceName,
} from "./schemas";

/**
 * One entry per operation the gateway serves, naming the schemas of its request and answers.
 * The gateway's routes (src/routes) stay plain Hono and validate nothing here; the tests check
 * that this list and the routes the app really serves are the same set.
 */

type ResponseConfig = RouteConfig["responses"][string];
type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

const ID_RULE = "^[A-Za-z0-9._-]{1,64}$";
const TAGS = { products: "Products", orders: "Orders", rewards: "Rewards", admin: "Admin" };
export const REFERENCE_TAG = "Reference";

const stamped = (headers: Record<string, unknown> = {}) => ({
  ...headers,
  "x-request-id": requestIdHeader.ref,
});

/** A JSON answer; every answer carries the request id header. */
function json(
  description: string,
  schema: z.ZodType,
  headers?: Record<string, { description: string; schema: { type: "string" }; required?: boolean }>,
): ResponseConfig {
  return {
    description,
    headers: stamped(headers),
    content: { "application/json": { schema } },
  } as ResponseConfig;
}

const error = (description: string, headers?: Parameters<typeof json>[2]) =>
  json(description, schemas.ErrorBody, headers);

/** What a status means for the gateway itself (middleware, forwarding); routes add their own. */
const COMMON: Partial<Record<ErrorStatus, string>> = {
  401: "`UNAUTHORIZED`: no `Authorization: Bearer` token.",
  403: "`FORBIDDEN`: the admin token is not valid.",
  413: `\`PAYLOAD_TOO_LARGE\`: the body is over ${MAX_BODY_BYTES / 1024} KB (${MAX_BODY_BYTES} bytes).`,
  415: "`UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json` (a UTF-8 charset is fine).",
  500: "`INTERNAL`: an unexpected failure; nothing internal is disclosed.",
  503: "`ADMIN_DISABLED`: no ADMIN_TOKEN is configured on the gateway.",
};

const BAD_ID = `\`VALIDATION_FAILED\`: a path parameter does not match \`${ID_RULE}\`.`;
const BAD_BODY =
  "`MALFORMED_JSON`: the body is not JSON. `VALIDATION_FAILED`: the body breaks the schema; " +
  "`details` lists each failing field.";
const upstream = (service: string) =>
  `\`UPSTREAM_UNAVAILABLE\`: the ${service} service did not answer.`;

/** Headers an error answer of that status always carries. */
const ERROR_HEADERS: Partial<Record<ErrorStatus, Parameters<typeof json>[2]>> = {
  401: {
    "WWW-Authenticate": {
      description: 'Always `Bearer realm="edge-saga-admin"`.',
      schema: { type: "string" },
      required: true,
    },
  },
  429: {
    "Retry-After": {
      description: "Seconds to wait before trying again.",
      schema: { type: "string" },
      required: true,
    },
  },
};

function errors(extra: Partial<Record<ErrorStatus, string>>, admin = false) {
  const statuses = Object.keys(extra).map(Number) as ErrorStatus[];
  if (admin) statuses.push(401, 403, 503);
  statuses.push(500);
  const out: Record<string, ResponseConfig> = {};
  for (const status of [...new Set(statuses)].sort((a, b) => a - b)) {
    const text = extra[status] ?? COMMON[status] ?? "";
    out[status] = error(text, ERROR_HEADERS[status]);
  }
  return out;
}

const withRequestId = <T extends Record<string, z.ZodType>>(headers?: T) =>
  z.object({ ...headers, "x-request-id": requestIdParam });

const jsonBody = (schema: z.ZodType, description: string, required = true) => ({
  description,
  required,
  content: { "application/json": { schema } },
});

const admin = { security: [{ [ADMIN_SECURITY]: [] }] };

/** `schema` with descriptions on some fields for the reader; what it accepts is unchanged. */
function described<T extends z.ZodObject>(
  schema: T,
  texts: Partial<Record<keyof T["shape"] & string, string>>,
): T {
  const shape = Object.fromEntries(
    Object.entries(texts).map(([key, description]) => [
      key,
      (schema.shape[key] as z.ZodType).meta({ description }),
    ]),
  );
  return schema.extend(shape) as unknown as T;
}

const SkuPath = described(SkuParam, { sku: "The product's SKU." });
const OrderPath = described(IdParam, { id: "The order's id." });
const CustomerPath = described(IdParam, { id: "The customer's id." });
const OrdersQuery = described(OrderListQuery, {
  customerId: "Whose orders.",
  cursor: "`nextCursor` of the previous page; omit for the first page.",
  limit: "Orders per page.",
});
const LedgerPageQuery = described(LedgerQuery, { limit: "How many entries, newest first." });
const HistoryPageQuery = described(HistoryQuery, {
  cursor: "`nextCursor` of the previous page; omit for the newest entries.",
  limit: "Entries per page.",
});

export const operations = [
  createRoute({
    operationId: "listProducts",
    method: "get",
    path: "/products",
    tags: [TAGS.products],
    summary: "List products",
    description: "Every product with its stock counters, ordered by SKU.",
    request: { headers: withRequestId() },
    responses: {
      200: json("The products.", composites.ProductList),
      ...errors({ 502: upstream("inventory") }),
    },
  }),
  createRoute({
    operationId: "getProduct",
    method: "get",
    path: "/products/{sku}",
    tags: [TAGS.products],
    summary: "Get a product",
    request: { params: SkuPath, headers: withRequestId() },
    responses: {
      200: json("The product.", schemas.Product),
      ...errors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no product with this SKU.",
        502: upstream("inventory"),
      }),
    },
  }),
  createRoute({
    operationId: "putProduct",
    method: "put",
    path: "/products/{sku}",
    tags: [TAGS.products],
    summary: "Create or replace a product",
    description: "`stock` sets the available units (reserved and sold units are kept). Admin only.",
    ...admin,
    request: {
      params: SkuPath,
      headers: withRequestId(),
      body: jsonBody(schemas.ProductInput, "The product's name, price and available stock."),
    },
    responses: {
      200: json("The product was replaced.", schemas.Product),
      201: json("The product was created.", schemas.Product),
      ...errors(
        {
          400: `${BAD_ID} ${BAD_BODY}`,
          409: "`CONFLICT`: the product kept being changed concurrently; retry.",
          413: COMMON[413],
          415: COMMON[415],
          502: upstream("inventory"),
        },
        true,
      ),
    },
  }),
  createRoute({
    operationId: "placeOrder",
    method: "post",
    path: "/orders",
    tags: [TAGS.orders],
    summary: "Place an order",
    description:
      "Starts the order saga and answers at once with the PENDING order; poll `GET /orders/{id}` " +
      "for the outcome. With an `Idempotency-Key`, a retry with the same body gets the stored " +
      "answer again (`Idempotent-Replayed: true`) instead of a second order.",
    request: {
      headers: withRequestId({
        "Idempotency-Key": IdempotencyKey.optional().openapi({
          param: {
            description:
              "Makes retries safe; kept at least 24 h. Same key and body: the stored answer; " +
              "other body: 422; while the first request still runs: 409.",
          },
        }),
      }),
      body: jsonBody(
        schemas.PlaceOrderInput,
        "Who orders what: 1 to 50 lines with distinct SKUs, 1 to 1000 units each; " +
          "1 point redeems 1 cent.",
      ),
    },
    responses: {
      202: json("The order was accepted and is PENDING.", schemas.Order, {
        Location: {
          description: "`/orders/{id}` of the new order.",
          schema: { type: "string" },
          required: true,
        },
        "Idempotent-Replayed": {
          description: "`true` when this is the stored answer to an earlier request with the key.",
          schema: { type: "string" },
        },
      }),
      ...errors({
        400: `${BAD_BODY} Also an Idempotency-Key that does not match \`^[A-Za-z0-9._:-]{1,128}$\`.`,
        409: "`IDEMPOTENCY_KEY_IN_FLIGHT`: a request with this key is still being processed.",
        413: COMMON[413],
        415: COMMON[415],
        422:
          "`UNKNOWN_PRODUCT` (details name each line), `POINTS_EXCEED_TOTAL`, `TOTAL_TOO_LARGE`, " +
          "or `IDEMPOTENCY_KEY_REUSED`: the key was used with another body.",
        429:
          "`RATE_LIMITED`: this client (its IP address) placed too many orders in the last " +
          "minute (limit 600 per minute, every attempt counts); wait `Retry-After` seconds.",
        502: upstream("order"),
      }),
    },
  }),
  createRoute({
    operationId: "listOrders",
    method: "get",
    path: "/orders",
    tags: [TAGS.orders],
    summary: "List a customer's orders",
    description: "Newest first, one page at a time.",
    request: { query: OrdersQuery, headers: withRequestId() },
    responses: {
      200: json("One page of orders.", composites.OrderList),
      ...errors({
        400: "`VALIDATION_FAILED`: a missing or invalid query parameter, or an unknown one.",
        502: upstream("order"),
      }),
    },
  }),
  createRoute({
    operationId: "getOrder",
    method: "get",
    path: "/orders/{id}",
    tags: [TAGS.orders],
    summary: "Get an order",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order as it is now.", schemas.Order),
      ...errors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no order with this id.",
        502: upstream("order"),
      }),
    },
  }),
  createRoute({
    operationId: "getOrderHistory",
    method: "get",
    path: "/orders/{id}/history",
    tags: [TAGS.orders],
    summary: "Get an order's history",
    description:
      "Every status change of the order's saga, oldest first, for support and debugging.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order's transitions.", schemas.OrderHistory),
      ...errors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no order with this id.",
        502: upstream("order"),
      }),
    },
  }),
  createRoute({
    operationId: "getOrderTrace",
    method: "get",
    path: "/orders/{id}/trace",
    tags: [TAGS.orders],
    summary: "Trace an order's saga",
    description:
      "Every event of the order's saga across the services, in causal order: who produced it, " +
      "when it was committed and published, and for each subscriber when it applied it, on " +
      "which delivery, how many duplicate deliveries it dropped and any dead letter. Composed " +
      "from every service on each call; events older than the outbox retention (7 days) are gone.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order's trace.", schemas.OrderTrace),
      ...errors({
        400: BAD_ID,
        404: "`ORDER_NOT_FOUND`: no order with this id.",
        502: "`UPSTREAM_UNAVAILABLE` / `UPSTREAM_FAILED`: a service did not answer.",
      }),
    },
  }),
  createRoute({
    operationId: "cancelOrder",
    method: "post",
    path: "/orders/{id}/cancel",
    tags: [TAGS.orders],
    summary: "Cancel an order",
    description:
      "Cancels a PENDING or CONFIRMED order; reserved stock and points are given back. " +
      "Needs no body; one that is sent must be JSON.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      202: json("The cancellation was accepted; the order as it is now.", schemas.Order),
      ...errors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no order with this id.",
        409:
          "`INVALID_STATE`: the order is already REJECTED or CANCELLED. " +
          "`CONFLICT`: the order kept changing; retry.",
        413: COMMON[413],
        415: COMMON[415],
        502: upstream("order"),
      }),
    },
  }),
  createRoute({
    operationId: "listCustomerOrders",
    method: "get",
    path: "/customers/{id}/orders",
    tags: [TAGS.orders],
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
  createRoute({
    operationId: "getRewards",
    method: "get",
    path: "/customers/{id}/rewards",
    tags: [TAGS.rewards],
    summary: "Get a customer's points",
    description: "A customer who never had points has an all-zero account (never a 404).",
    request: { params: CustomerPath, headers: withRequestId() },
    responses: {
      200: json("The rewards account.", schemas.RewardsAccount),
      ...errors({ 400: BAD_ID, 502: upstream("rewards") }),
    },
  }),
  createRoute({
    operationId: "getRewardsLedger",
    method: "get",
    path: "/customers/{id}/rewards/ledger",
    tags: [TAGS.rewards],
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
  createRoute({
    operationId: "getRewardsHistory",
    method: "get",
    path: "/customers/{id}/rewards/history",
    tags: [TAGS.rewards],
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
  createRoute({
    operationId: "grantPoints",
    method: "post",
    path: "/customers/{id}/rewards/grants",
    tags: [TAGS.rewards],
    summary: "Grant points",
    description:
      "Adds points to the customer's balance (creating the account if needed). Admin only.",
    ...admin,
    request: {
      params: CustomerPath,
      headers: withRequestId(),
      body: jsonBody(schemas.GrantInput, "How many points, and why."),
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
  createRoute({
    operationId: "getAdminOutbox",
    method: "get",
    path: "/admin/outbox",
    tags: [TAGS.admin],
    summary: "Outbox backlog of every service",
    description: "Each service's unpublished events and relay status, side by side. Admin only.",
    ...admin,
    request: { headers: withRequestId() },
    responses: {
      200: json("Every service answered.", composites.AdminOutbox),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminOutboxPartial,
      ),
    },
  }),
  createRoute({
    operationId: "getAdminDeadLetters",
    method: "get",
    path: "/admin/dead-letters",
    tags: [TAGS.admin],
    summary: "Dead letters of every service",
    description: "The newest 100 messages each service could not apply. Admin only.",
    ...admin,
    request: { headers: withRequestId() },
    responses: {
      200: json("Every service answered.", composites.AdminDeadLetters),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminDeadLettersPartial,
      ),
    },
  }),
  createRoute({
    operationId: "getAdminStats",
    method: "get",
    path: "/admin/stats",
    tags: [TAGS.admin],
    summary: "Operating figures of every service",
    description:
      "Per service: outbox backlog and the age of its oldest pending event, events published " +
      "and applied per minute, duplicates absorbed, retries, dead letters, and the relay's last " +
      "run and last error. `?minutes=` (1-1440, default 15) sets the per-minute window. Admin only.",
    ...admin,
    request: {
      query: z.object({
        minutes: z.coerce
          .number()
          .int()
          .min(1)
          .max(1440)
          .optional()
          .openapi({
            param: { description: "Minutes of per-minute figures, the current one included." },
          }),
      }),
      headers: withRequestId(),
    },
    responses: {
      200: json("Every service answered.", composites.AdminStats),
      ...errors({}, true),
      502: json(
        "`UPSTREAM_FAILED`: at least one service failed; its slot holds its error, the others " +
          "their data.",
        composites.AdminStatsPartial,
      ),
    },
  }),
  createRoute({
    operationId: "getAdminConsistency",
    method: "get",
    path: "/admin/consistency",
    tags: [TAGS.admin],
    summary: "Consistency report of the whole system",
    description:
      "Reads every service's state (orders, stock, reservations, accounts, ledger, outbox, dead " +
      "letters) and checks design.md's invariants 1-6 across services. Meaningful once the system " +
      "is quiet. `ok` is false when any invariant is broken; each violation names the ids " +
      "involved. Admin only.",
    ...admin,
    request: { headers: withRequestId() },
    responses: {
      200: json(
        "The report (also when violations were found: look at `ok`).",
        z.object({
          ok: z.boolean(),
          checkedAt: z.iso.datetime(),
          counts: z.record(z.string(), z.unknown()),
          violations: z.array(
            z.object({
              invariant: z.number().int().min(1).max(6),
              message: z.string(),
              ids: z.array(z.string()),
            }),
          ),
        }),
      ),
      ...errors(
        { 502: "`UPSTREAM_UNAVAILABLE` / `UPSTREAM_FAILED`: a service did not answer." },
        true,
      ),
    },
  }),
  ...(["get", "post"] as const).map((method) =>
    createRoute({
      operationId: method === "get" ? "getServiceAdmin" : "postServiceAdmin",
      method,
      path: "/admin/{service}/{path}",
      tags: [TAGS.admin],
      summary: `${method.toUpperCase()} one service's admin route`,
      description:
        "Forwarded to the service's `/admin/{path}` with the query string and JSON body, e.g. " +
        "`GET /admin/order/outbox`, `GET /admin/rewards/dead-letters`, " +
        "`POST /admin/inventory/maintenance` (poke the relay and prune now), " +
        "`POST /admin/order/replay` (re-send the retained outbox to one subscriber), " +
        "`POST /admin/view/projection/rebuild` (empty the read model). The gateway forwards " +
        "any method; the services' admin routes use GET and POST. Admin only.",
      ...admin,
      request: {
        params: z.object({
          service: z.enum([...ServiceName.options, "view"]),
          path: z.string().openapi({
            param: {
              description: `One or more \`/\`-separated segments, each matching \`${ID_RULE}\`.`,
              example: "outbox",
            },
          }),
        }),
        headers: withRequestId(),
        ...(method === "post"
          ? { body: jsonBody(ServiceAdminAnswer, "Whatever the service's route takes.", false) }
          : {}),
      },
      responses: {
        200: json("The service's answer.", ServiceAdminAnswer),
        ...errors(
          {
            400: "`VALIDATION_FAILED`: a path segment is not an id (an encoded `/` included).",
            404: "`NOT_FOUND`: another service name, or the service has no such admin route.",
            413: COMMON[413],
            415: COMMON[415],
            502: "`UPSTREAM_UNAVAILABLE`: the service did not answer.",
          },
          true,
        ),
      },
    }),
  ),
  createRoute({
    operationId: "getOpenApi",
    method: "get",
    path: "/openapi.json",
    tags: [REFERENCE_TAG],
    summary: "This API as an OpenAPI 3.1 document",
    request: { headers: withRequestId() },
    responses: {
      200: {
        description: "The OpenAPI document.",
        headers: stamped(),
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
      },
      ...errors({}),
    },
  }),
  createRoute({
    operationId: "getDocs",
    method: "get",
    path: "/docs",
    tags: [REFERENCE_TAG],
    summary: "This API reference as a web page",
    request: { headers: withRequestId() },
    responses: {
      200: {
        description: "The reference, rendered from the OpenAPI document.",
        headers: stamped(),
        content: { "text/html": { schema: z.string() } },
      },
      ...errors({}),
    },
  }),
  createRoute({
    operationId: "getDashboard",
    method: "get",
    path: "/",
    tags: [REFERENCE_TAG],
    summary: "The live dashboard as a web page",
    description:
      "Product stock, a form to place an order, recent orders with each saga drawn as a " +
      "timeline across the services, and the outbox backlog and dead-letter counters. The page " +
      "calls the operations of this document from the browser; the admin token typed into it " +
      "stays in the tab's sessionStorage.",
    request: { headers: withRequestId() },
    responses: {
      200: {
        description: "The dashboard page; its script polls the API about once a second.",
        headers: stamped(),
        content: { "text/html": { schema: z.string() } },
      },
      ...errors({}),
    },
  }),
] satisfies RouteConfig[];
