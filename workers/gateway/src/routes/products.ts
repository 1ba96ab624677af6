import { Hono } from "hono";
import { requireAdmin } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import type { GatewayEnv } from "../types";

/** `/products*` -> inventory. Writing a product is an admin action. */
export const products = new Hono<GatewayEnv>()
  .get("/", (c) => forward(c, "inventory", "/products"))
  .get("/:sku", validIds, (c) => forward(c, "inventory", `/products/${c.req.param("sku")}`))
  .put("/:sku", requireAdmin, validIds, jsonBody({ required: true }), (c) =>
    forward(c, "inventory", `/products/${c.req.param("sku")}`),
  );
