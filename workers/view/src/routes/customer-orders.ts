import { customerRoutes } from "@edge-saga/contracts/http";
import { contractRoutes } from "@edge-saga/shared";
import { customerOrders } from "../db/order-history-store";

/** `GET /customers/{id}/orders?cursor=&limit=`: the customer's order history, newest first. */
export const customers = contractRoutes<{ Bindings: Env }>().openapi(
  customerRoutes.listCustomerOrders,
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await customerOrders(c.env.DB, c.req.valid("param").id, { cursor, limit }), 200);
  },
);
