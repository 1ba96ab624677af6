import { notFound, onError } from "@edge-saga/shared";
import { Hono } from "hono";
import { accessLog } from "./middleware/access-log";
import { orderRateLimit } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { forward } from "./proxy/forward";
import { admin } from "./routes/admin";
import { customerOrders } from "./routes/customer-orders";
import { orders } from "./routes/orders";
import { products } from "./routes/products";
import { reference } from "./routes/reference";
import { rewards } from "./routes/rewards";
import type { GatewayEnv } from "./types";

/**
 * The one public entry: checks what it can, then forwards known routes over service bindings.
 * Every route it serves is described in openapi/operations.ts (a test holds the two together).
 */
export const app = new Hono<GatewayEnv>()
  .use(requestId)
  .use(accessLog)
  .on("POST", "/orders", orderRateLimit)
  .route("/products", products)
  .route("/orders", orders)
  .route("/customers", rewards)
  .route("/customers", customerOrders)
  .route("/admin", admin)
  .route("/", reference)
  // The live dashboard, served by the operations Worker.
  .get("/", (c) => forward(c, "operations", "/"));
app.onError(onError);
app.notFound(notFound);
