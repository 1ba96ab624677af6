import { createRoute, z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import type { Context } from "hono";
import { errors, REFERENCE_TAG, stamped, withRequestId } from "../openapi/describe";
import { openApiDocument } from "../openapi/document";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";
import { type Served, served } from "./served";

/**
 * The bundle of Scalar's API reference (a maintained renderer), one of the gateway's own static
 * assets (workers/gateway/build.mjs puts it there): the page loads nothing from elsewhere.
 */
export const DOCS_BUNDLE_PATH = "/docs/scalar.js";

/** The page's own inline script runs by nonce; the renderer injects its styles at run time. */
const docsPolicy = (nonce: string) =>
  [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");

/** `GET /docs`: the reference of `GET /openapi.json`, rendered in the browser by Scalar. */
const docsPage = async (c: Context<GatewayEnv>) => {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const page = Scalar<GatewayEnv>({
    url: "/openapi.json",
    cdn: DOCS_BUNDLE_PATH,
    nonce,
    pageTitle: "edge-saga API",
    withDefaultFonts: false,
  });
  // Scalar's handler answers and never calls on: nothing to pass it.
  const res = await page(c, async () => {});
  if (!res) throw new Error("the API reference renderer did not answer");
  res.headers.set("content-security-policy", docsPolicy(nonce));
  return res;
};

/** The API's own reference (document and page) and the dashboard, served at the edge. */
export const reference: Served[] = [
  served(
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
    async (c) => c.json(openApiDocument()),
  ),
  served(
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
    docsPage,
  ),
  served(
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
    (c) => forward(c, "operations", "/"),
  ),
];
