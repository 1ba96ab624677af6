import { adminRoutes, kitAdminGatewayRoutes } from "./admin";
import { authRoutes } from "./auth";
import { customerRoutes } from "./customers";
import { orderRoutes } from "./orders";
import { productRoutes } from "./products";
import { referenceRoutes } from "./reference";

/**
 * Every route table the gateway serves (workers/gateway/src/routes mounts each entry): the
 * document it serves is these, which is what contracts' Redocly test lints and the gateway's
 * OpenAPI test holds the served document to.
 */
export const gatewayRouteTables = [
  productRoutes,
  orderRoutes,
  customerRoutes,
  adminRoutes,
  kitAdminGatewayRoutes,
  referenceRoutes,
  authRoutes,
] as const;
