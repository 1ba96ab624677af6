import { Hono } from "hono";
import { renderDocs } from "../openapi/docs-page";
import { openApiDocument } from "../openapi/document";
import type { GatewayEnv } from "../types";

/** The page has no script and loads nothing: the policy says so to the browser. */
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let page: string | undefined;

/** `GET /openapi.json` and `GET /docs`: the API's own reference, served by the gateway itself. */
export const reference = new Hono<GatewayEnv>()
  .get("/openapi.json", (c) => c.json(openApiDocument()))
  .get("/docs", (c) => {
    page ??= renderDocs(openApiDocument());
    return c.html(page, 200, { "content-security-policy": PAGE_POLICY });
  });
