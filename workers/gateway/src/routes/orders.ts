import { Hono } from "hono";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";

/** `/orders*` -> order. Idempotency-Key travels with `POST /orders` (see proxy/forward.ts). */
export const orders = new Hono<GatewayEnv>()
  .post("/", jsonBody({ required: true }), (c) => forward(c, "order", "/orders"))
  .get("/", (c) => forward(c, "order", "/orders"))
  .get("/:id", validIds, (c) => forward(c, "order", `/orders/${c.req.param("id")}`))
  // The order's saga steps, for support and debugging (read-only, like the order itself).
  .get("/:id/history", validIds, (c) => forward(c, "order", `/orders/${c.req.param("id")}/history`))
  // The saga across every service: events, deliveries, duplicates, dead letters.
  .get("/:id/trace", validIds, (c) =>
    forward(c, "operations", `/orders/${c.req.param("id")}/trace`),
  )
  .post("/:id/cancel", validIds, jsonBody({ required: false }), (c) =>
    forward(c, "order", `/orders/${c.req.param("id")}/cancel`),
  );
