import { createRoute } from "@hono/zod-openapi";
import { composites, schemas } from "../components";
import {
  adminOnly,
  BAD_BODY,
  BAD_ID,
  COMMON,
  errors,
  json,
  publicAccess,
  requestBody,
  SkuPath,
  TAGS,
  upstream,
  withRequestId,
} from "../describe";

/** `/products*`: the catalogue and its stock (inventory). */
export const productRoutes = {
  listProducts: createRoute({
    operationId: "listProducts",
    method: "get",
    path: "/products",
    tags: [TAGS.products],
    ...publicAccess,
    summary: "List products",
    description: "Every product with its stock counters, ordered by SKU.",
    request: { headers: withRequestId() },
    responses: {
      200: json("The products.", composites.ProductList),
      ...errors({ 502: upstream("inventory") }),
    },
  }),
  getProduct: createRoute({
    operationId: "getProduct",
    method: "get",
    path: "/products/{sku}",
    tags: [TAGS.products],
    ...publicAccess,
    summary: "Get a product",
    request: { params: SkuPath, headers: withRequestId() },
    responses: {
      200: json("The product.", schemas.Product),
      ...errors({
        400: BAD_ID,
        404: "`NOT_FOUND`: no product with this SKU.",
        502: upstream("inventory"),
      }),
    },
  }),
  putProduct: createRoute({
    operationId: "putProduct",
    method: "put",
    path: "/products/{sku}",
    tags: [TAGS.products],
    summary: "Create or replace a product",
    description: "`stock` sets the available units (reserved and sold units are kept). Admin only.",
    ...adminOnly,
    request: {
      params: SkuPath,
      headers: withRequestId(),
      body: requestBody(schemas.ProductInput, "The product's name, price and available stock."),
    },
    responses: {
      200: json("The product was replaced.", schemas.Product),
      201: json("The product was created.", schemas.Product),
      ...errors(
        {
          400: `${BAD_ID} ${BAD_BODY}`,
          409: "`CONFLICT`: the product kept being changed concurrently; retry.",
          413: COMMON[413],
          415: COMMON[415],
          502: upstream("inventory"),
        },
        true,
      ),
    },
  }),
};
