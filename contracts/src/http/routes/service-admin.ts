import { createRoute, z } from "@hono/zod-openapi";
import { Order } from "../../index";
import { adminOnly, errors, json, TAGS, withRequestId } from "../describe";
import {
  AccountSnapshotPage,
  LedgerOrdersPage,
  LedgerOrdersQuery,
  LedgerTotals,
  OrderSnapshotPage,
  PaymentSnapshotPage,
  ProductSnapshotPage,
  ReservationSnapshotPage,
  RewardOrderSnapshotPage,
  SnapshotPageQuery,
  ViewSnapshotPage,
} from "../service-admin-schemas";

// The schemas too, so a service and operations name the answers instead of restating them.
export * from "../service-admin-schemas";

/**
 * Services' own admin answers that the gateway forwards (`/admin/{service}/{path}`, documented
 * once as `getServiceAdmin`) and that tools read: described here so the typed client
 * (../client.ts) types them. Not mounted in the document: the forwarding route stands for them.
 */
export const serviceAdminRoutes = {
  getRecentOrders: createRoute({
    operationId: "getRecentOrders",
    method: "get",
    path: "/admin/order/orders/recent",
    tags: [TAGS.admin],
    summary: "Everyone's newest orders, without their lines",
    ...adminOnly,
    request: {
      query: z.strictObject({
        /** A short page: the dashboard shows a handful. */
        limit: z.coerce.number().int().min(1).max(100).default(20),
      }),
      headers: withRequestId(),
    },
    responses: {
      200: json("Newest first.", z.object({ orders: z.array(Order.omit({ items: true })) })),
      ...errors({ 400: "`VALIDATION_FAILED`: an invalid `limit`.", 502: "" }, true),
    },
  }),
};

/**
 * The services' snapshot routes, which the consistency checker (operations) reads over its
 * service bindings: one table per service, paths relative to where a service mounts its admin
 * routes (`/admin`, as the kit's own admin routes are). Each service serves its table with
 * `app.openapi(definition, handler)`, so its answer type-checks against the schema operations
 * reads with `serviceClient` (../client.ts). Internal: not in the public document.
 */
const snapshotRoute = <P extends string, S extends z.ZodType>(
  path: P,
  summary: string,
  answer: S,
) =>
  createRoute({
    method: "get",
    path,
    summary,
    request: { query: SnapshotPageQuery },
    responses: { 200: json("One page, by key.", answer) },
  });

export const orderSnapshotRoutes = {
  getOrderSnapshot: snapshotRoute(
    "/snapshot/orders",
    "Every order with its lines",
    OrderSnapshotPage,
  ),
};

export const inventorySnapshotRoutes = {
  getProductSnapshot: snapshotRoute(
    "/snapshot/products",
    "Every SKU's unit counters",
    ProductSnapshotPage,
  ),
  getReservationSnapshot: snapshotRoute(
    "/snapshot/reservations",
    "What inventory did for each order, with its lines",
    ReservationSnapshotPage,
  ),
};

export const rewardsSnapshotRoutes = {
  getAccountSnapshot: snapshotRoute(
    "/snapshot/accounts",
    "Every account, with its ledger's total and grants",
    AccountSnapshotPage,
  ),
  getRewardOrderSnapshot: snapshotRoute(
    "/snapshot/orders",
    "Per order: hold, award and ledger sums per kind",
    RewardOrderSnapshotPage,
  ),
};

export const paymentSnapshotRoutes = {
  getPaymentSnapshot: snapshotRoute("/snapshot/payments", "Every payment row", PaymentSnapshotPage),
};

export const viewSnapshotRoutes = {
  getViewSnapshot: snapshotRoute(
    "/snapshot/orders",
    "Every row of the read model",
    ViewSnapshotPage,
  ),
};

/**
 * The PSP sandbox's ledger (workers/psp-sandbox), at its own paths: the card processor's books,
 * which the checker compares with the payments. A real processor has no such API.
 */
export const pspLedgerRoutes = {
  getLedgerTotals: createRoute({
    method: "get",
    path: "/v1/ledger",
    summary: "The processor's totals",
    responses: { 200: json("Totals in cents.", LedgerTotals) },
  }),
  getLedgerOrders: createRoute({
    method: "get",
    path: "/v1/ledger/orders",
    summary: "Every order's intents with their ledger counts, by order id",
    request: { query: LedgerOrdersQuery },
    responses: { 200: json("One page, by order id.", LedgerOrdersPage) },
  }),
};
