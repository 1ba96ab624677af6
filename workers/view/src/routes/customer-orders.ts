import { CustomerOrdersQuery, IdParam } from "@edge-saga/contracts";
import { validate } from "@edge-saga/shared";
import { Hono } from "hono";
import { customerOrders } from "../db/order-history-store";

/** `GET /customers/:id/orders?cursor=&limit=`: the customer's order history, newest first. */
export const customers = new Hono<{ Bindings: Env }>().get(
  "/:id/orders",
  validate("param", IdParam),
  validate("query", CustomerOrdersQuery),
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await customerOrders(c.env.DB, c.req.valid("param").id, { cursor, limit }));
  },
);
