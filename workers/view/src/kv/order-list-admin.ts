import { everyShard, onShard, shardCount } from "@edge-saga/shared";
import { customersPage, placedOrdersOf } from "../db/order-history-store";
import { customerShard } from "../shards";
import { customersInStore, readOrderList } from "./order-list-store";
import { projectOrderLists } from "./project-order-lists";

const CUSTOMERS_PER_PAGE = 100;

/**
 * The customers to rebuild or check, by shard: `customerId` alone, or every customer with a
 * placed order in D1 plus every one KV holds a list of (a list D1 has no orders for is wrong too).
 */
async function customersByShard(env: Env, customerId?: string): Promise<Map<number, string[]>> {
  const shards = shardCount(env);
  const byShard = new Map<number, string[]>();
  const add = (shard: number, id: string) =>
    byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
  if (customerId !== undefined) {
    add(customerShard(customerId, shards), customerId);
    return byShard;
  }
  const seen = new Set<string>();
  for (const shard of everyShard(env))
    for (let after = ""; ; ) {
      const page = await customersPage(shard.DB, after, CUSTOMERS_PER_PAGE);
      for (const id of page) {
        seen.add(id);
        add(shard.SHARD, id);
      }
      if (page.length < CUSTOMERS_PER_PAGE) break;
      after = page.at(-1) as string;
    }
  for (const id of await customersInStore(env.CUSTOMER_ORDERS_KV))
    if (!seen.has(id)) add(customerShard(id, shards), id);
  return byShard;
}

/** Runs `each` over the customers, shard by shard, a page at a time: how many there were. */
async function overCustomers(
  env: Env,
  customerId: string | undefined,
  each: (db: D1Database, ids: string[]) => Promise<void>,
): Promise<number> {
  let customers = 0;
  for (const [shard, all] of await customersByShard(env, customerId)) {
    customers += all.length;
    const db = onShard(env, shard).DB;
    for (let i = 0; i < all.length; i += CUSTOMERS_PER_PAGE)
      await each(db, all.slice(i, i + CUSTOMERS_PER_PAGE));
  }
  return customers;
}

/**
 * Recomputes the KV lists from the D1 view (one customer's, or every one's): D1's list replaces
 * KV's, a list of a customer without orders in D1 is deleted. Idempotent: a second run writes
 * the same values. `lagging`: customers whose D1 rows kept changing while it ran.
 */
export async function rebuildOrderLists(env: Env, customerId?: string) {
  const lagging: string[] = [];
  const customers = await overCustomers(env, customerId, async (db, ids) => {
    lagging.push(...(await projectOrderLists(db, env.CUSTOMER_ORDERS_KV, ids, "replace")));
  });
  return { customers, lagging };
}

/**
 * Compares each customer's KV list with her orders in the D1 view, order by order and field by
 * field (the revisions aside): `differing` names every customer whose two stores disagree.
 */
export async function checkOrderLists(env: Env, customerId?: string) {
  const differing: string[] = [];
  const customers = await overCustomers(env, customerId, async (db, ids) => {
    const d1 = await placedOrdersOf(db, ids);
    await Promise.all(
      ids.map(async (id) => {
        const kv = await readOrderList(env.CUSTOMER_ORDERS_KV, id);
        const inD1 = JSON.stringify((d1.get(id) ?? []).map((entry) => entry.order));
        const inKv = JSON.stringify((kv?.orders ?? []).map((entry) => entry.order));
        if (inD1 !== inKv) differing.push(id);
      }),
    );
  });
  return { customers, differing: differing.sort() };
}
