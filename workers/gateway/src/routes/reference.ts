import { openApiDocument, referenceRoutes } from "@edge-saga/contracts/http";
import { Scalar } from "@scalar/hono-api-reference";
import type { Context } from "hono";
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
    // Every operation listed open: the reference reads top to bottom, like the old page.
    defaultOpenAllTags: true,
    // The vendor's hosted tools need the internet; this page must not.
    showDeveloperTools: "never",
  });
  // Scalar's handler answers and never calls on: nothing to pass it.
  const res = await page(c, async () => {});
  if (!res) throw new Error("the API reference renderer did not answer");
  res.headers.set("content-security-policy", docsPolicy(nonce));
  return res;
};

/** The API's own reference (document and page) and the dashboard, served at the edge. */
export const reference: Served[] = [
  served(referenceRoutes.getOpenApi, async (c) => c.json(openApiDocument())),
  served(referenceRoutes.getDocs, docsPage),
  served(referenceRoutes.getDashboard, (c) => forward(c, "operations", "/")),
  served(referenceRoutes.getDashboardScript, (c) => forward(c, "operations", "/dashboard.js")),
];
