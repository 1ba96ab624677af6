import { mergeNewer, type RevisedOrder, type StoredOrderList } from "../domain/customer-order-list";

/** Every key of the store starts so: one key per customer. */
export const ORDER_LIST_PREFIX = "customer-orders:";

const keyOf = (customerId: string) => `${ORDER_LIST_PREFIX}${customerId}`;

/** The customer's list as KV holds it, or null when it holds none. */
export function readOrderList(
  kv: KVNamespace,
  customerId: string,
): Promise<StoredOrderList | null> {
  return kv.get<StoredOrderList>(keyOf(customerId), "json");
}

/**
 * Lands what a read of D1 at `projectedAt` found of the customer's orders, guarded: an order is
 * replaced only by a higher revision, so a write that arrives late (another worker read D1 after
 * it and wrote first) never takes an order back. KV has no compare-and-set: two writers may still
 * cross between the read and the put here, which is why the projection checks D1 again after it
 * wrote (project-order-lists.ts). `projectedAt` only moves forward: every order held is at least
 * as new as D1's at that time. Returns the orders the key holds now.
 */
export async function landNewer(
  kv: KVNamespace,
  customerId: string,
  fresh: RevisedOrder[],
  projectedAt: number,
): Promise<RevisedOrder[]> {
  const held = await readOrderList(kv, customerId);
  const orders = mergeNewer(held?.orders ?? [], fresh);
  const list: StoredOrderList = {
    projectedAt: Math.max(projectedAt, held?.projectedAt ?? 0),
    orders,
  };
  await kv.put(keyOf(customerId), JSON.stringify(list));
  return orders;
}

/** Replaces the customer's list with D1's (the rebuild); none in D1: the key is deleted. */
export async function replaceOrderList(
  kv: KVNamespace,
  customerId: string,
  orders: RevisedOrder[],
  projectedAt: number,
): Promise<void> {
  if (orders.length === 0) await kv.delete(keyOf(customerId));
  else await kv.put(keyOf(customerId), JSON.stringify({ projectedAt, orders }));
}

/** Every customer the store holds a list of, by id. */
export async function customersInStore(kv: KVNamespace): Promise<string[]> {
  const customers: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await kv.list({ prefix: ORDER_LIST_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const key of page.keys) customers.push(key.name.slice(ORDER_LIST_PREFIX.length));
    if (page.list_complete) return customers;
    cursor = page.cursor;
  }
}

/** Deletes every list (the projection's rebuild from scratch): how many there were. */
export async function clearOrderLists(kv: KVNamespace): Promise<number> {
  const customers = await customersInStore(kv);
  await Promise.all(customers.map((id) => kv.delete(keyOf(id))));
  return customers.length;
}
