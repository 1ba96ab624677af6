import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { catalog, type Order } from "@edge-saga/contracts";
import {
  DEFAULT_HELD_CHECK_MS,
  type Decision,
  type Envelope,
  isConstraintError,
  outboxTriggerSql,
  relayStub,
  resendHeldCopies,
  runBatch,
} from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import {
  EARLY_REPLY_RETENTION_MS,
  keepEarlyReply,
  pruneEarlyReplies,
} from "../src/db/early-replies";
import { orderPlacedTrigger } from "../src/db/order-placed-trigger";
import { orderPlaced } from "../src/handlers/order-placed";
import {
  count,
  db,
  deliverToOrder,
  failingQueue,
  getOrder,
  postOrderOnWritePath,
  published,
  recordingQueue,
  replies,
  seedProducts,
} from "./helpers";

/**
 * POST /orders as the customer `body` names, with the service's WRITE_PATH set to `path` (and
 * bindings replaced by `bindings`), request id req-1.
 */
const place = (
  path: string,
  body: { customerId: string },
  headers: Record<string, string> = {},
  bindings: Partial<Env> = {},
) =>
  postOrderOnWritePath(
    path,
    body.customerId,
    body,
    { "x-request-id": "req-1", ...headers },
    bindings,
  );

const orderExists = (id: string) => count("SELECT COUNT(*) AS n FROM orders WHERE id = ?", id);

/** Waits until the service has consumed its own OrderPlaced from the real local queue. */
async function created(id: string): Promise<Order> {
  for (let i = 0; i < 200 && (await orderExists(id)) === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  return getOrder(id);
}

const input = (customerId: string, quantity = 2, pointsToRedeem = 0) => ({
  customerId,
  items: [{ sku: "wp-lamp", quantity }],
  pointsToRedeem,
});

beforeAll(async () => {
  await seedProducts([{ sku: "wp-lamp", priceCents: 1250 }]);
});

describe("WRITE_PATH=cdc: a trigger on the order tables writes OrderPlaced", () => {
  it("the latest trigger migration creates exactly the trigger outboxTriggerSql generates for the spec", () => {
    const migration = env.TEST_MIGRATIONS.filter((m) => m.name.includes("order_placed_trigger")).at(
      -1,
    );
    const triggers = migration?.queries
      .map((q) => q.replace(/^--.*\n/gm, "").trim())
      .filter((q) => !q.startsWith("DROP TRIGGER"));
    expect(triggers).toEqual(outboxTriggerSql(orderPlacedTrigger).map((q) => q.trim()));
  });

  it("the route writes only the order; the trigger's OrderPlaced is what the outbox path writes", async () => {
    const viaTrigger = (await (await place("cdc", input("cdc-1"), {}, {})).json()) as Order;
    const viaOutbox = (await (await place("outbox", input("cdc-1"))).json()) as Order;
    const [captured] = await published({ orderId: viaTrigger.id });
    const [written] = await published({ orderId: viaOutbox.id });
    expect(await published({ orderId: viaTrigger.id })).toHaveLength(1);
    expect(catalog.parse(captured).ok).toBe(true);
    expect(captured).toMatchObject({
      type: "OrderPlaced",
      source: "order",
      aggregateId: viaTrigger.id,
      correlationId: viaTrigger.id,
      causationId: "req-1",
      sequence: 1,
      payload: { ...written!.payload, orderId: viaTrigger.id },
    });
    expect(captured!.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM orders WHERE id = ? AND write_path = 'cdc'",
        viaTrigger.id,
      ),
    ).toBe(1);
  });
});

describe.each(["cdc", "self-read"])("WRITE_PATH=%s: keys are per customer", (path) => {
  it("the same Idempotency-Key from two customers places two orders, each replaying her own", async () => {
    const key = `wp-shared-${path}`;
    const alices = await place(path, input(`wp-alice-${path}`), { "idempotency-key": key });
    const bobs = await place(path, input(`wp-bob-${path}`, 3), { "idempotency-key": key });
    expect([alices.status, bobs.status]).toEqual([202, 202]);
    const [alice, bob] = [(await alices.json()) as Order, (await bobs.json()) as Order];
    expect(bob.id).not.toBe(alice.id);
    expect(await created(alice.id)).toMatchObject({
      customerId: `wp-alice-${path}`,
      totalCents: 2500,
    });
    expect(await created(bob.id)).toMatchObject({ customerId: `wp-bob-${path}`, totalCents: 3750 });
    for (const order of [alice, bob])
      expect(await published({ orderId: order.id, type: "OrderPlaced" })).toHaveLength(1);

    const bobAgain = await place(path, input(`wp-bob-${path}`, 3), { "idempotency-key": key });
    expect(bobAgain.status).toBe(202);
    expect(bobAgain.headers.get("idempotent-replayed")).toBe("true");
    expect(((await bobAgain.json()) as Order).id).toBe(bob.id);
  });
});

describe("WRITE_PATH=self-read: the request publishes, the service creates the order from its own event", () => {
  it("answers 202 with no order row; the order comes from its own inbox, its event recorded as sent", async () => {
    const response = await place("self-read", input("sr-1"));
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as Order;
    expect(accepted).toMatchObject({ status: "PENDING", totalCents: 2500 });
    const order = await created(accepted.id);
    expect(order).toEqual(accepted);
    const rows = await env.DB.prepare(
      "SELECT type, published_at AS publishedAt, awaiting FROM outbox WHERE correlation_id = ?",
    )
      .bind(accepted.id)
      .all<{ type: string; publishedAt: number | null; awaiting: string | null }>();
    // Sent by the request, so never by the relay; awaited from each subscriber, so re-sent if lost.
    expect(rows.results).toEqual([
      {
        type: "OrderPlaced",
        publishedAt: expect.any(Number),
        awaiting: JSON.stringify(catalog.subscribersOf("OrderPlaced")),
      },
    ]);
  });

  it("answers that came before the order are kept and applied when it is created", async () => {
    const response = await place("self-read", input("sr-2"), {}, {
      // Hold our own copy back: this test hands OrderPlaced over itself, after the answer.
      ORDER_INBOX: recording(),
    } as Partial<Env>);
    const accepted = (await response.json()) as Order;
    const event = lastRecorded.pop()!;
    await deliverToOrder(replies.stockReserved(accepted), replies.paymentAuthorized(accepted));
    expect(await orderExists(accepted.id)).toBe(0);
    expect(
      await count("SELECT COUNT(*) AS n FROM early_replies WHERE order_id = ?", accepted.id),
    ).toBe(2);

    await deliverToOrder(event);
    // Created already decided: no points to wait for, stock held, card authorized.
    expect(await getOrder(accepted.id)).toMatchObject({ status: "CONFIRMED", pointsEarned: 25 });
    expect((await published({ orderId: accepted.id })).map((e) => e.type)).toEqual([
      "OrderPlaced",
      "OrderConfirmed",
    ]);
    expect(
      await count("SELECT COUNT(*) AS n FROM early_replies WHERE order_id = ?", accepted.id),
    ).toBe(0);
  });

  it("a kept answer and the order's creation cannot both miss each other", async () => {
    await place("self-read", input("sr-3"), {}, { ORDER_INBOX: recording() } as Partial<Env>);
    const event = lastRecorded.pop() as Envelope<{ orderId: string }> & { type: "OrderPlaced" };
    const order = { ...(event.payload as object), id: event.payload.orderId } as unknown as Order;
    // The creation read no answers; one is kept before it commits: the creation must roll back.
    const creation = (await orderPlaced(event as never, { db, env } as never)) as Decision;
    await runBatch(db, [keepEarlyReply(db, replies.stockReserved(order), Date.now())]);
    const rolledBack = await runBatch(db, creation.statements ?? []).catch((e: unknown) => e);
    expect(isConstraintError(rolledBack)).toBe(true);
    // Once the order exists, keeping an answer for it rolls back too (the kit re-runs it).
    await deliverToOrder(event);
    const late = await runBatch(db, [
      keepEarlyReply(db, replies.stockFailed(order), Date.now()),
    ]).catch((e: unknown) => e);
    expect(isConstraintError(late)).toBe(true);
    // The kept stock answer was applied at creation; the card's still decides.
    await deliverToOrder(replies.paymentAuthorized({ ...order, pointsRedeemed: 0 } as Order));
    expect(await getOrder(order.id)).toMatchObject({ status: "CONFIRMED" });
  });

  it("an Idempotency-Key's repeat is its first answer, before and after the order exists; another body is refused", async () => {
    const key = `sr-key-${Date.now()}`;
    const first = (await (
      await place("self-read", input("sr-4"), { "idempotency-key": key })
    ).json()) as Order;
    const early = await place("self-read", input("sr-4"), { "idempotency-key": key });
    expect(early.headers.get("idempotent-replayed")).toBe("true");
    expect(await early.json()).toEqual(first);
    await created(first.id);
    expect(await published({ orderId: first.id, type: "OrderPlaced" })).toHaveLength(1);

    const replay = await place("self-read", input("sr-4"), { "idempotency-key": key });
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual(first);
    const other = await place("self-read", input("sr-4", 3), { "idempotency-key": key });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: { code: "IDEMPOTENCY_KEY_REUSED" } });
  });

  it("a copy the broker lost is sent again by the relay until the order service applied it", async () => {
    // The request's own copy goes nowhere (lost after its send resolved, as a dying broker does).
    const response = await place("self-read", input("sr-6"), {}, {
      ORDER_INBOX: recording(),
    } as Partial<Env>);
    const accepted = (await response.json()) as Order;
    const relay = relayStub(env.OUTBOX_RELAY);
    const check = (at: number) =>
      runInDurableObject(relay, (_, state) =>
        resendHeldCopies(state.storage, env.DB, env.ORDER_INBOX, at, DEFAULT_HELD_CHECK_MS),
      );
    // Not due yet: nothing is sent before the consumer had its chance.
    expect((await check(Date.now())).resent).toBe(0);
    expect(await orderExists(accepted.id)).toBe(0);
    // Due: the relay's copy goes to the real inbox, and the order is created from it.
    const due = Date.now() + DEFAULT_HELD_CHECK_MS + 1;
    expect((await check(due)).resent).toBeGreaterThanOrEqual(1);
    expect(await created(accepted.id)).toMatchObject({ id: accepted.id, status: "PENDING" });
    // Applied: the next check drops the copy instead of sending it again.
    const after = await check(due + 10 * DEFAULT_HELD_CHECK_MS);
    expect(after.resent).toBe(0);
    expect(await published({ orderId: accepted.id, type: "OrderPlaced" })).toHaveLength(1);
  });

  it("answers kept for an order that never came are pruned after the retention, newer ones stay", async () => {
    const now = Date.now();
    const stale = {
      ...replies.stockReserved({
        id: "sr-never",
        items: [{ sku: "wp-lamp", quantity: 1 }],
      } as unknown as Order),
    };
    const fresh = {
      ...replies.stockReserved({
        id: "sr-late",
        items: [{ sku: "wp-lamp", quantity: 1 }],
      } as unknown as Order),
    };
    await runBatch(db, [
      keepEarlyReply(db, stale, now - EARLY_REPLY_RETENTION_MS - 1),
      keepEarlyReply(db, fresh, now),
    ]);
    expect(await pruneEarlyReplies(db, now)).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare(
      "SELECT order_id AS id FROM early_replies WHERE order_id IN ('sr-never', 'sr-late')",
    ).all<{ id: string }>();
    expect(left.results).toEqual([{ id: "sr-late" }]);
  });

  it("when its own inbox refuses the event, it answers 503 and no subscriber got it", async () => {
    const others = recording();
    const response = await place("self-read", input("sr-5"), {}, {
      ORDER_INBOX: failingQueue(),
      INVENTORY_INBOX: others,
      REWARDS_INBOX: others,
      VIEW_INBOX: others,
    } as Partial<Env>);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "PUBLISH_FAILED" } });
    expect(lastRecorded).toEqual([]);
  });
});

/** What the last recording queue took, newest last. */
const lastRecorded: unknown[] = [];
/** A fresh recording queue whose sends land in `lastRecorded`. */
const recording = () => {
  lastRecorded.length = 0;
  return recordingQueue(lastRecorded);
};
