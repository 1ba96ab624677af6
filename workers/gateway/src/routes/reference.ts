import { openApiDocument, referenceRoutes } from "@edge-saga/contracts/http";
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

/** What the renderer draws: Scalar's documented configuration object, written into the page as JSON. */
const docsConfig = {
  url: "/openapi.json",
  // Every operation listed open: the reference reads top to bottom, like the old page.
  defaultOpenAllTags: true,
  // The vendor's hosted tools and web fonts need the internet; this page must not.
  showDeveloperTools: "never",
  withDefaultFonts: false,
};

/**
 * `GET /docs`: the reference of `GET /openapi.json`, rendered in the browser by Scalar, through
 * its documented HTML API (a mount point, the bundle by `<script src>`, then
 * `Scalar.createApiReference`). The `csp-nonce` meta is where the bundle reads the nonce for the
 * styles it injects. JSON with `<` escaped cannot close the inline script.
 */
const docsPage = (c: Context<GatewayEnv>) => {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const config = JSON.stringify(docsConfig).replaceAll("<", "\\u003c");
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta property="csp-nonce" content="${nonce}" />
    <title>edge-saga API</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${DOCS_BUNDLE_PATH}" nonce="${nonce}"></script>
    <script nonce="${nonce}">Scalar.createApiReference("#app", ${config});</script>
  </body>
</html>`;
  return c.html(html, 200, { "content-security-policy": docsPolicy(nonce) });
};

/** The API's own reference (document and page) and the dashboard, served at the edge. */
export const reference: Served[] = [
  served(referenceRoutes.getOpenApi, async (c) => c.json(openApiDocument())),
  served(referenceRoutes.getDocs, docsPage),
  served(referenceRoutes.getDashboard, (c) => forward(c, "operations", "/")),
  served(referenceRoutes.getDashboardScript, (c) => forward(c, "operations", "/dashboard.js")),
];
