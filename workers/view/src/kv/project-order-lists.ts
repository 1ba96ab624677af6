import { errorText, everyShard, loggerFor, shardCount } from "@edge-saga/shared";
import { customersTouched, placedOrdersOf } from "../db/order-history-store";
import { holdsAll, type RevisedOrder } from "../domain/customer-order-list";
import { orderShard } from "../shards";
import { landNewer, replaceOrderList } from "./order-list-store";

/** Customers read from D1 in one query (one bound parameter, however many). */
const CUSTOMERS_PER_READ = 50;
/** Rounds of write-then-check before a lagging list is left to the next event or read. */
const ROUNDS = 3;

/**
 * `newer`: each order lands only if its revision is higher than the one KV holds (the consumer
 * and the read path). `replace`: KV gets D1's list as it is (the rebuild, an operator's repair).
 */
export type ProjectionMode = "newer" | "replace";

/**
 * Projects each customer's placed orders from the D1 view (`db`, her shard) into KV. KV has no
 * transactions: two workers may read D1 at different times and write in the other order. So
 * after writing, D1 is read again, and a customer whose list lags what D1 holds now is written
 * again: the last writer of a key always wrote what D1 held after its own write, so KV ends
 * equal to D1. Returns the customers still lagging after ROUNDS (the next write repairs them).
 */
export async function projectOrderLists(
  db: D1Database,
  kv: KVNamespace,
  customerIds: string[],
  mode: ProjectionMode = "newer",
): Promise<string[]> {
  const ids = [...new Set(customerIds)];
  const lagging: string[] = [];
  for (let i = 0; i < ids.length; i += CUSTOMERS_PER_READ)
    lagging.push(...(await projectSome(db, kv, ids.slice(i, i + CUSTOMERS_PER_READ), mode)));
  return lagging;
}

async function projectSome(
  db: D1Database,
  kv: KVNamespace,
  ids: string[],
  mode: ProjectionMode,
): Promise<string[]> {
  // Taken before the read: the list is at least as new as D1 was then.
  let readAt = Date.now();
  let d1 = await placedOrdersOf(db, ids);
  for (let round = 1; ; round++) {
    const written = new Map<string, RevisedOrder[]>();
    await Promise.all(
      [...d1].map(async ([id, orders]) => {
        if (mode === "replace") await replaceOrderList(kv, id, orders, readAt);
        else if (orders.length > 0) orders = await landNewer(kv, id, orders, readAt);
        written.set(id, orders);
      }),
    );
    readAt = Date.now();
    const now = await placedOrdersOf(db, [...written.keys()]);
    const behind = [...now].filter(([id, orders]) => !holdsAll(written.get(id) ?? [], orders));
    if (behind.length === 0 || round === ROUNDS) return behind.map(([id]) => id);
    d1 = new Map(behind);
  }
}

/** What a message says it is about: its order, or for a product's event, its sku. */
function subjectOf(body: unknown): { orderId?: string; sku?: string } {
  let event = body;
  if (typeof body === "string")
    try {
      event = JSON.parse(body);
    } catch {
      return {};
    }
  const { type, payload } = (event ?? {}) as { type?: unknown; payload?: Record<string, unknown> };
  if (type === "ProductUpserted" && typeof payload?.sku === "string") return { sku: payload.sku };
  return typeof payload?.orderId === "string" ? { orderId: payload.orderId } : {};
}

/**
 * After the inbox consumer ran a batch: every customer whose list its events may have changed is
 * projected from the committed D1 view, on each shard, whatever each message came to. A copy
 * dropped as already applied projects too, so a batch that committed and then crashed before
 * this ran is repaired when its messages come again. A failure is logged, never thrown: the
 * messages are settled, and KV only answers while fresh (routes/customer-orders.ts).
 */
export async function projectBatch(messages: readonly Message[], env: Env): Promise<void> {
  const orderIds = new Set<string>();
  const skus = new Set<string>();
  for (const message of messages) {
    const { orderId, sku } = subjectOf(message.body);
    if (orderId) orderIds.add(orderId);
    if (sku) skus.add(sku);
  }
  if (orderIds.size === 0 && skus.size === 0) return;
  const shards = shardCount(env);
  await Promise.all(
    everyShard(env).map(async (shard) => {
      try {
        const own = [...orderIds].filter((id) => orderShard(id, shards) === shard.SHARD);
        const customers = await customersTouched(shard.DB, own, [...skus]);
        const lagging = await projectOrderLists(shard.DB, env.CUSTOMER_ORDERS_KV, customers);
        if (lagging.length > 0)
          loggerFor(env, { service: "view" }).warn("order lists lag D1 after the projection", {
            customers: lagging.length,
          });
      } catch (error) {
        loggerFor(env, { service: "view" }).warn("order lists not projected to KV", {
          shard: shard.SHARD,
          error: errorText(error),
        });
      }
    }),
  );
}
