import { productRoutes } from "@edge-saga/contracts/http";
import { proxied } from "./served";

/** `/products*` -> inventory. Writing a product is an admin action (its definition says so). */
export const products = [
  proxied(productRoutes.listProducts, "inventory"),
  proxied(productRoutes.getProduct, "inventory"),
  proxied(productRoutes.putProduct, "inventory"),
];
