import { notFound, onError } from "@edge-saga/shared";
import { Hono } from "hono";
import { accessLog } from "./middleware/access-log";
import { ADMIN_PREFIX, requireAdmin } from "./middleware/admin-auth";
import { requestId } from "./middleware/request-id";
import { traceContext } from "./middleware/trace-context";
import { admin } from "./routes/admin";
import { auth, DEV_ISSUER_PATHS, whileDevIssuerRuns } from "./routes/auth";
import { customers } from "./routes/customers";
import { orders } from "./routes/orders";
import { products } from "./routes/products";
import { reference } from "./routes/reference";
import { mount } from "./routes/served";
import type { GatewayEnv } from "./types";

/**
 * The one public entry: checks what it can, then forwards known routes over service bindings.
 * Each route is declared once in src/routes, with its description: `mount` serves it and puts
 * it in the OpenAPI document (`GET /openapi.json`, rendered at `/docs`).
 */
export const app = new Hono<GatewayEnv>()
  .use(requestId)
  .use(traceContext)
  .use(accessLog)
  // Every admin path, unknown ones included: 401/403 before 404, nothing to probe.
  .use(`${ADMIN_PREFIX}*`, requireAdmin);
// The local dev issuer's paths are unknown ones unless it runs (never in production).
for (const path of DEV_ISSUER_PATHS) app.use(path, whileDevIssuerRuns);
mount(app, [...products, ...orders, ...customers, ...admin, ...reference, ...auth]);
app.onError(onError);
app.notFound(notFound);
