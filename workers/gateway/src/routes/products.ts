import { productRoutes } from "@edge-saga/contracts/http";
import { requireAdmin } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { validIds } from "../middleware/valid-ids";
import { forward } from "../proxy/forward";
import { served } from "./served";

/** `/products*` -> inventory. Writing a product is an admin action. */
export const products = [
  served(productRoutes.listProducts, (c) => forward(c, "inventory", "/products")),
  served(productRoutes.getProduct, validIds, (c) =>
    forward(c, "inventory", `/products/${c.req.param("sku")}`),
  ),
  served(productRoutes.putProduct, requireAdmin, validIds, jsonBody({ required: true }), (c) =>
    forward(c, "inventory", `/products/${c.req.param("sku")}`),
  ),
];
