import { REQUEST_ID_HEADER } from "@edge-saga/contracts";
import { newId, notFound, onError } from "@edge-saga/shared";
import { Hono } from "hono";
import { consistency } from "./consistency/route";
import { dashboard } from "./dashboard/route";
import { aggregate } from "./routes/aggregate";
import { orderTrace } from "./trace/route";
import type { OperationsEnv } from "./types";

/**
 * The operations tools, reached only through the gateway's service binding (it checks ids,
 * the admin token and limits; this Worker has no public route). The gateway's OpenAPI
 * document describes each one under its public path.
 */
export const app = new Hono<OperationsEnv>()
  // The gateway's request id, so one id follows the request into every service asked.
  .use(async (c, next) => {
    c.set("requestId", c.req.header(REQUEST_ID_HEADER) ?? newId());
    await next();
  })
  .route("/", dashboard)
  .route("/consistency", consistency)
  .get("/orders/:id/trace", orderTrace)
  .get("/outbox", (c) => aggregate(c, "/admin/outbox"))
  .get("/dead-letters", (c) => aggregate(c, "/admin/dead-letters"))
  .get("/stats", (c) => aggregate(c, "/admin/stats"));
app.onError(onError);
app.notFound(notFound);
