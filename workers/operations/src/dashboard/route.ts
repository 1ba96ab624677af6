import { Hono } from "hono";
// client/ as bundled by build.mjs, which wrangler (and the vitest config) runs before bundling.
import script from "../../public/dashboard.js.txt";
import type { OperationsEnv } from "../types";
import { DASHBOARD_SCRIPT_PATH, renderDashboard } from "./page";

/**
 * The page runs its own script (a file of this origin, page.ts) and its own style (by nonce);
 * it talks only to this origin's API (the same public routes any client uses) and can be
 * framed, posted or based nowhere else.
 */
const policy = (nonce: string) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");

/**
 * `GET /`: the live dashboard. The server renders the page; its script polls the public API
 * (products, orders, traces) and, with the admin token the operator types in, the admin views.
 * `GET /dashboard.js`: that script (10 KB), fetched again with each page so a deploy shows at once.
 */
export const dashboard = new Hono<OperationsEnv>()
  .get("/", (c) => {
    const nonce = crypto.randomUUID().replaceAll("-", "");
    return c.html(renderDashboard(nonce), 200, {
      "content-security-policy": policy(nonce),
      "cache-control": "no-store",
    });
  })
  .get(DASHBOARD_SCRIPT_PATH, (c) =>
    c.body(script, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    }),
  );
