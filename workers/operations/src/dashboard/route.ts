import { Hono } from "hono";
import type { OperationsEnv } from "../types";
import { renderDashboard } from "./page";

/**
 * The page's own script and style run by nonce; it talks only to this origin's API (the same
 * public routes any client uses) and can be framed, posted or based nowhere else.
 */
const policy = (nonce: string) =>
  [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
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
 */
export const dashboard = new Hono<OperationsEnv>().get("/", (c) => {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  return c.html(renderDashboard(nonce), 200, {
    "content-security-policy": policy(nonce),
    "cache-control": "no-store",
  });
});
