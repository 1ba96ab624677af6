import { catalog, type Order } from "@edge-saga/contracts";
import { asCustomer } from "@edge-saga/kit-testing";
import { type Envelope, idFor, newId, slotOf, withSlot } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeys } from "../src/db/tables";
import {
  customerKey,
  IN_FLIGHT_TIMEOUT_MS,
  KEY_TTL_MS,
  requestHash,
} from "../src/domain/idempotency";
import {
  call,
  count,
  db,
  failingQueue,
  postOrderOnWritePath,
  recordingQueue,
  seedProducts,
} from "./helpers";

/**
 * WRITE_PATH=self-read keeps the API's Idempotency-Key promises although the order is created
 * only when the service consumes its own event: the key is claimed and answered as on the
 * other paths, before anything is published.
 */

const body = (customerId: string, quantity = 1) => ({
  customerId,
  items: [{ sku: "srk-mug", quantity }],
  pointsToRedeem: 0,
});

/** Every inbox the request publishes to, recording instead of delivering: nothing is consumed. */
function inboxes() {
  const sent: unknown[] = [];
  const queue = recordingQueue(sent);
  const bindings = {
    ORDER_INBOX: queue,
    INVENTORY_INBOX: queue,
    REWARDS_INBOX: queue,
    VIEW_INBOX: queue,
    PAYMENT_INBOX: queue,
  } as Partial<Env>;
  return { sent: sent as Envelope[], bindings };
}

const post = (customerId: string, key: string, json: unknown, bindings: Partial<Env>) =>
  postOrderOnWritePath("self-read", customerId, json, { "idempotency-key": key }, bindings);

const ordersOf = (customerId: string) =>
  count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?", customerId);

beforeAll(async () => {
  await seedProducts([{ sku: "srk-mug", priceCents: 800 }]);
});

describe("WRITE_PATH=self-read: Idempotency-Key before the order exists", () => {
  it("a repeat sent right after the first answers the first answer again, marked replayed", async () => {
    const { sent, bindings } = inboxes();
    const first = await post("srk-repeat", "k", body("srk-repeat"), bindings);
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const accepted = await first.json<Order>();
    const published = sent.length;

    const again = await post("srk-repeat", "k", body("srk-repeat"), bindings);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(`/orders/${accepted.id}`);
    expect(await again.json()).toEqual(accepted);
    // The repeat published nothing: the order is not consumed yet, and was sent once.
    expect(sent).toHaveLength(published);
  });

  it("another body under the key is 422 before the first was consumed, and reaches no queue", async () => {
    const { sent, bindings } = inboxes();
    expect((await post("srk-other", "k", body("srk-other", 1), bindings)).status).toBe(202);
    const published = [...sent];

    const other = await post("srk-other", "k", body("srk-other", 2), bindings);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
    expect(sent).toEqual(published);
    expect(new Set(sent.map((e) => e.id)).size).toBe(1);
  });

  it("concurrent requests with one key: one fresh answer, the others 409 or replayed, one event", async () => {
    const { sent, bindings } = inboxes();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post("srk-race", "k", body("srk-race"), bindings)),
    );
    const fresh = answers.filter(
      (a) => a.status === 202 && a.headers.get("idempotent-replayed") === null,
    );
    expect(fresh).toHaveLength(1);
    // The others were told the first still runs (409) or got its answer again (replayed).
    for (const a of answers) expect([202, 409]).toContain(a.status);
    // One request published: one event, once to its own inbox and once to each subscriber.
    expect(new Set(sent.map((e) => e.id)).size).toBe(1);
    expect(sent).toHaveLength(1 + catalog.subscribersOf("OrderPlaced").length);
  });

  it("a 503 (own inbox refused) frees the key: the retry publishes afresh", async () => {
    const refused = await post("srk-503", "k", body("srk-503"), { ORDER_INBOX: failingQueue() });
    expect(refused.status).toBe(503);
    const { sent, bindings } = inboxes();
    const retry = await post("srk-503", "k", body("srk-503"), bindings);
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(sent.length).toBeGreaterThan(0);
  });

  it("a claim its request abandoned after publishing is resumed under the same order and event ids", async () => {
    const customerId = "srk-crashed";
    // What a request that crashed after its sends leaves: the claim, in flight, naming its order.
    const orderId = withSlot(newId(), slotOf(customerId));
    const now = Date.now();
    await db.insert(idempotencyKeys).values({
      key: customerKey(customerId, "k"),
      requestHash: await requestHash(body(customerId)),
      status: "IN_FLIGHT",
      orderId,
      createdAt: now - IN_FLIGHT_TIMEOUT_MS - 1_000,
      expiresAt: now + KEY_TTL_MS,
    });
    const { sent, bindings } = inboxes();
    const resumed = await post(customerId, "k", body(customerId), bindings);
    expect(resumed.status).toBe(202);
    expect((await resumed.json<Order>()).id).toBe(orderId);
    // The same event the crashed request sent: every inbox that took it drops this copy.
    expect(sent[0]).toMatchObject({ id: await idFor(`OrderPlaced:${orderId}`) });
    const again = await post(customerId, "k", body(customerId), bindings);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await ordersOf(customerId)).toBe(0);
  });
});

describe.each(["outbox", "cdc", "self-read"])("WRITE_PATH=%s: GET /orders", (path) => {
  it("lists a customer's orders newest first, keyed and unkeyed alike, page by page", async () => {
    const customerId = `srk-list-${path}`;
    const placed: string[] = [];
    for (let i = 0; i < 6; i++) {
      const key: Record<string, string> = i % 2 === 0 ? { "idempotency-key": `k-${i}` } : {};
      const answer = await postOrderOnWritePath(path, customerId, body(customerId, i + 1), key);
      expect(answer.status).toBe(202);
      placed.push((await answer.json<Order>()).id);
    }
    // Self-read creates each order when it consumes its own event.
    for (let i = 0; i < 200 && (await ordersOf(customerId)) < placed.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/orders?limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await (await call(query, { headers: asCustomer(customerId) })).json<{
        orders: Order[];
        nextCursor: string | null;
      }>();
      seen.push(...page.orders.map((o) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...placed].reverse());
  });
});
