import { createRoute, z } from "@hono/zod-openapi";
import { errors, publicAccess, REFERENCE_TAG, stamped, upstream, withRequestId } from "../describe";

/** The API's own reference (document and page) and the dashboard. */
export const referenceRoutes = {
  getOpenApi: createRoute({
    operationId: "getOpenApi",
    method: "get",
    path: "/openapi.json",
    tags: [REFERENCE_TAG],
    ...publicAccess,
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
  getDocs: createRoute({
    operationId: "getDocs",
    method: "get",
    path: "/docs",
    tags: [REFERENCE_TAG],
    ...publicAccess,
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
  getDashboard: createRoute({
    operationId: "getDashboard",
    method: "get",
    path: "/",
    tags: [REFERENCE_TAG],
    ...publicAccess,
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
  getDashboardScript: createRoute({
    operationId: "getDashboardScript",
    method: "get",
    path: "/dashboard.js",
    tags: [REFERENCE_TAG],
    ...publicAccess,
    summary: "The live dashboard's script",
    description: "What the dashboard page (`GET /`) runs; fetched again with every page.",
    request: { headers: withRequestId() },
    responses: {
      200: {
        description: "The script.",
        headers: stamped(),
        content: { "text/javascript": { schema: z.string() } },
      },
      ...errors({ 502: upstream("operations") }),
    },
  }),
};
