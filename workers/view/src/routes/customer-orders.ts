import { customerRoutes } from "@edge-saga/contracts/http";
import {
  callerOf,
  contractRoutes,
  customerFor,
  errorText,
  loggerFor,
  onShard,
  shardCount,
} from "@edge-saga/shared";
import { customerOrders } from "../db/order-history-store";
import { isFreshEnough, pageOf } from "../domain/customer-order-list";
import { readOrderList } from "../kv/order-list-store";
import { projectOrderLists } from "../kv/project-order-lists";
import { customerShard } from "../shards";

/** The answer's header naming the store that answered: `kv` or `d1`. */
export const READ_STORE_HEADER = "X-Read-Store";

/**
 * `GET /customers/{id}/orders?cursor=&limit=`: the customer's order history, newest first. Only
 * hers (another customer's id is 403) or an operator's: the caller the gateway verified decides,
 * never the path alone. From her list in KV when it was projected at most KV_READ_MAX_AGE_SECONDS
 * ago, without a database call; else from her D1 shard, and her KV list is refreshed after the
 * answer so her next reads are served from KV.
 */
export const customers = contractRoutes<{ Bindings: Env }>().openapi(
  customerRoutes.listCustomerOrders,
  async (c) => {
    const id = customerFor(callerOf(c), c.req.valid("param").id);
    const page = c.req.valid("query");
    const kv = c.env.CUSTOMER_ORDERS_KV;
    const log = loggerFor(c.env, { service: "view" });
    const warn = (what: string) => (error: unknown) => {
      log.warn(what, { error: errorText(error) });
      return null;
    };
    // KV unavailable is KV stale: D1 answers.
    const held = await readOrderList(kv, id).catch(warn("order list not read from KV"));
    if (held && isFreshEnough(held, Date.now(), Number(c.env.KV_READ_MAX_AGE_SECONDS))) {
      c.header(READ_STORE_HEADER, "kv");
      return c.json(pageOf(held, page), 200);
    }
    const shard = onShard(c.env, customerShard(id, shardCount(c.env)));
    c.executionCtx.waitUntil(
      projectOrderLists(shard.DB, kv, [id]).catch(warn("order list not refreshed")),
    );
    c.header(READ_STORE_HEADER, "d1");
    return c.json(await customerOrders(shard.DB, id, page), 200);
  },
);
