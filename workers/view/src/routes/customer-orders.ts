import { customerRoutes } from "@edge-saga/contracts/http";
import { callerOf, contractRoutes, customerFor, onShard, shardCount } from "@edge-saga/shared";
import { customerOrders } from "../db/order-history-store";
import { customerShard } from "../shards";

/**
 * `GET /customers/{id}/orders?cursor=&limit=`: the customer's order history, newest first, from
 * her shard. Only hers (another customer's id is 403) or an operator's: the caller the gateway
 * verified decides, never the path alone.
 */
export const customers = contractRoutes<{ Bindings: Env }>().openapi(
  customerRoutes.listCustomerOrders,
  async (c) => {
    const id = customerFor(callerOf(c), c.req.valid("param").id);
    const { cursor, limit } = c.req.valid("query");
    const shard = onShard(c.env, customerShard(id, shardCount(c.env)));
    return c.json(await customerOrders(shard.DB, id, { cursor, limit }), 200);
  },
);
