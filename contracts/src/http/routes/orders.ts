import { createRoute, z } from "@hono/zod-openapi";
import { composites, schemas } from "../components";
import {
  BAD_BODY,
  BAD_ID,
  COMMON,
  customerAccess,
  customerErrors,
  json,
  NOT_FOUND_ORDER,
  NOT_HERS,
  OrderPath,
  OrdersQuery,
  requestBody,
  TAGS,
  upstream,
  withRequestId,
} from "../describe";
import { IdempotencyKey } from "../schemas";

/** Said of a PENDING order (RFC 9110 delay-seconds). */
const RETRY_AFTER = {
  description: "On a PENDING order: seconds before asking again (or ask with `Prefer: wait`).",
  schema: { type: "string" as const },
};

/** `/orders*`: orders and their saga (order; the trace: operations). */
export const orderRoutes = {
  placeOrder: createRoute({
    operationId: "placeOrder",
    method: "post",
    path: "/orders",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Place an order",
    description:
      "Starts the order saga and answers at once with the PENDING order; ask `GET /orders/{id}` " +
      "with `Prefer: wait=N` for the outcome. With an `Idempotency-Key`, a retry with the same body gets the stored " +
      "answer again (`Idempotent-Replayed: true`) instead of a second order. When the order " +
      "service publishes by self-read (`WRITE_PATH=self-read`), the 202 means OrderPlaced is on " +
      "its way and the order exists only once the service has consumed it: `GET /orders/{id}` " +
      "answers 404 until then (usually well under a second), so poll it through a 404. " +
      "A customer orders for herself (the token's `sub`; a body `customerId` may be omitted, and " +
      "must be hers when given); an admin orders for the customer the body names. Limited per " +
      "client address and per customer.",
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
      body: requestBody(
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
        "Retry-After": RETRY_AFTER,
      }),
      ...customerErrors({
        400:
          `${BAD_BODY} Also an Idempotency-Key that does not match \`^[A-Za-z0-9._:-]{1,128}$\`, ` +
          "or an admin's order without `customerId`.",
        403: `${NOT_HERS} (the body's \`customerId\`)`,
        409: "`IDEMPOTENCY_KEY_IN_FLIGHT`: a request with this key is still being processed.",
        413: COMMON[413],
        415: COMMON[415],
        422:
          "`UNKNOWN_PRODUCT` (details name each line), `POINTS_EXCEED_TOTAL`, `TOTAL_TOO_LARGE`, " +
          "or `IDEMPOTENCY_KEY_REUSED`: the key was used with another body.",
        429:
          "`RATE_LIMITED`: this client address (an IPv6 one by its /64) or this customer placed " +
          "too many orders in the last minute (limit 600 per minute each, every attempt " +
          "counts); wait `Retry-After` seconds.",
        502: upstream("order"),
        503:
          "`PUBLISH_FAILED` (self-read only): OrderPlaced could not be published; nothing was " +
          "placed and nothing will act on it, so retrying is safe.",
      }),
    },
  }),
  listOrders: createRoute({
    operationId: "listOrders",
    method: "get",
    path: "/orders",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "List a customer's orders",
    description:
      "Newest first, one page at a time. A customer lists her own (`customerId` may be omitted); " +
      "an admin lists any customer's and must name one.",
    request: { query: OrdersQuery, headers: withRequestId() },
    responses: {
      200: json("One page of orders.", composites.OrderList),
      ...customerErrors({
        400:
          "`VALIDATION_FAILED`: an invalid or unknown query parameter, or an admin's call " +
          "without `customerId`.",
        403: `${NOT_HERS} (the \`customerId\` query)`,
        502: upstream("order"),
      }),
    },
  }),
  getOrder: createRoute({
    operationId: "getOrder",
    method: "get",
    path: "/orders/{id}",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Get an order",
    description:
      "A customer's own order; an admin reads any. With `Prefer: wait=N` (RFC 7240, N seconds, " +
      "at most 30) a PENDING order's answer is held until the order changes or N seconds pass, " +
      "so one request gets the outcome instead of polling.",
    request: {
      params: OrderPath,
      headers: withRequestId({
        Prefer: z
          .string()
          .optional()
          .openapi({
            param: {
              description:
                "`wait=N`: hold the answer while the order is PENDING, up to N seconds (1 to " +
                "30; more counts as 30). A preference that cannot be read is ignored.",
              example: "wait=10",
            },
          }),
      }),
    },
    responses: {
      200: json("The order as it is now.", schemas.Order, {
        "Preference-Applied": {
          description: "`wait=N` when the answer was held for a PENDING order (N as applied).",
          schema: { type: "string" },
        },
        "Retry-After": RETRY_AFTER,
      }),
      ...customerErrors({
        400: BAD_ID,
        404: `${NOT_FOUND_ORDER} With self-read, also an order just accepted that the order service has not consumed yet: poll again.`,
        502: upstream("order"),
      }),
    },
  }),
  getOrderHistory: createRoute({
    operationId: "getOrderHistory",
    method: "get",
    path: "/orders/{id}/history",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Get an order's history",
    description:
      "Every status change of the order's saga, oldest first, for support and debugging.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order's transitions.", schemas.OrderHistory),
      ...customerErrors({
        400: BAD_ID,
        404: NOT_FOUND_ORDER,
        502: upstream("order"),
      }),
    },
  }),
  getOrderPayment: createRoute({
    operationId: "getOrderPayment",
    method: "get",
    path: "/orders/{id}/payment",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Get an order's payment",
    description:
      "Where the card payment of the order stands: what the card pays (the total less the " +
      "points redeemed) and the processor's state: `NOT_REQUIRED` (points pay it all; the " +
      "processor is never called), `PENDING`, `AUTHORIZED` (held), `DECLINED`, `CAPTURED`, " +
      "`VOIDED` (the hold released) or `REFUNDED`.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order's payment.", schemas.OrderPayment),
      ...customerErrors({
        400: BAD_ID,
        404: NOT_FOUND_ORDER,
        502: "`UPSTREAM_UNAVAILABLE` / `UPSTREAM_FAILED`: a service did not answer.",
      }),
    },
  }),
  getOrderTrace: createRoute({
    operationId: "getOrderTrace",
    method: "get",
    path: "/orders/{id}/trace",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Trace an order's saga",
    description:
      "Every event of the order's saga across the services, in causal order: who produced it, " +
      "when it was committed and published, and for each subscriber when it applied it, on " +
      "which delivery, how many duplicate deliveries it dropped and any dead letter. Composed " +
      "from every service on each call; events older than the outbox retention (7 days) are gone.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      200: json("The order's trace.", schemas.OrderTrace),
      ...customerErrors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no order with this id (for a customer, also another's order).",
        502: "`UPSTREAM_UNAVAILABLE` / `UPSTREAM_FAILED`: a service did not answer.",
      }),
    },
  }),
  cancelOrder: createRoute({
    operationId: "cancelOrder",
    method: "post",
    path: "/orders/{id}/cancel",
    tags: [TAGS.orders],
    ...customerAccess,
    summary: "Cancel an order",
    description:
      "Cancels a PENDING or CONFIRMED order; reserved stock and points are given back. A " +
      "customer cancels her own orders; an admin cancels any. " +
      "Needs no body; one that is sent must be JSON.",
    request: { params: OrderPath, headers: withRequestId() },
    responses: {
      202: json("The cancellation was accepted; the order as it is now.", schemas.Order, {
        traceresponse: {
          description:
            "W3C Trace Context Level 2: the order's saga trace, which the cancellation " +
            "continues (its events carry it); the request's own trace is linked to it.",
          schema: { type: "string" },
          required: true,
        },
      }),
      ...customerErrors({
        400: BAD_ID,
        404: NOT_FOUND_ORDER,
        409:
          "`INVALID_STATE`: the order is already REJECTED or CANCELLED. " +
          "`CONFLICT`: the order kept changing; retry.",
        413: COMMON[413],
        415: COMMON[415],
        502: upstream("order"),
      }),
    },
  }),
};
