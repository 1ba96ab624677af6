import { catalog, type Order } from "@edge-saga/contracts";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { createEnvelope } from "@edge-saga/shared";
import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  count,
  deliverToOrder,
  getOrder,
  placeOrder,
  published,
  replies,
  seedProducts,
} from "./helpers";

beforeAll(async () => {
  await seedProducts([
    { sku: "lamp", priceCents: 4550 },
    { sku: "bulb", priceCents: 325 },
  ]);
});

/** 2 lamps + 3 bulbs = 10,075 cents. */
const lines = [
  { sku: "lamp", quantity: 2 },
  { sku: "bulb", quantity: 3 },
];

const decisions = (orderId: string) =>
  published({ orderId }).then((events) => events.filter((e) => e.type !== "OrderPlaced"));

async function orderRow(id: string) {
  const { env } = await import("cloudflare:workers");
  return env.DB.prepare(
    "SELECT status, stock_state, points_state, payment_state, version, confirmed_at, points_awarded_at FROM orders WHERE id = ?",
  )
    .bind(id)
    .first<{
      status: string;
      stock_state: string;
      points_state: string;
      payment_state: string;
      version: number;
      confirmed_at: number | null;
      points_awarded_at: number | null;
    }>();
}

async function history(id: string) {
  const response = await call(`/orders/${id}/history`, { headers: asAdmin() });
  return (
    await response.json<{
      transitions: { version: number; toStatus: string; change: string; cause: string }[];
    }>()
  ).transitions;
}

describe("saga replies", () => {
  it("card, stock, then points: CONFIRMED once, OrderConfirmed with the earned points", async () => {
    const order = await placeOrder("happy", lines, 75);
    const paid = replies.paymentAuthorized(order);
    const stock = replies.stockReserved(order);
    const points = replies.pointsReserved(order);

    await deliverToOrder(paid);
    const first = await deliverToOrder(stock);
    expect(first.explicitAcks).toHaveLength(1);
    expect(await orderRow(order.id)).toMatchObject({
      status: "PENDING",
      payment_state: "AUTHORIZED",
      stock_state: "RESERVED",
      points_state: "PENDING",
      version: 3,
    });
    expect(await decisions(order.id)).toEqual([]);

    await deliverToOrder(points);
    const confirmed = await getOrder(order.id);
    expect(confirmed).toMatchObject({
      status: "CONFIRMED",
      totalCents: 10_075,
      pointsRedeemed: 75,
      pointsEarned: 100,
    });
    expect((await orderRow(order.id))?.confirmed_at).toEqual(expect.any(Number));

    const events = await decisions(order.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "OrderConfirmed",
      aggregateType: "order",
      aggregateId: order.id,
      correlationId: order.id,
      causationId: points.id,
      sequence: 4,
      payload: {
        orderId: order.id,
        customerId: "happy",
        totalCents: 10_075,
        pointsRedeemed: 75,
        pointsEarned: 100,
      },
    });
    expect(
      (await history(order.id)).map((t) => [t.version, t.toStatus, t.change, t.cause]),
    ).toEqual([
      [1, "PENDING", "PlaceOrder", expect.any(String)],
      [2, "PENDING", "PaymentAuthorized", paid.id],
      [3, "PENDING", "StockReserved", stock.id],
      [4, "CONFIRMED", "PointsReserved", points.id],
    ]);
  });

  it("points then stock: the same outcome", async () => {
    const order = await placeOrder("happy-reversed", lines, 75);
    await deliverToOrder(replies.pointsReserved(order), replies.paymentAuthorized(order));
    expect((await getOrder(order.id)).status).toBe("PENDING");
    await deliverToOrder(replies.stockReserved(order));
    expect(await getOrder(order.id)).toMatchObject({ status: "CONFIRMED", pointsEarned: 100 });
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderConfirmed"]);
  });

  it("every reply in one batch, and again: one OrderConfirmed", async () => {
    const order = await placeOrder("same-batch", lines, 75);
    const stock = replies.stockReserved(order);
    const points = replies.pointsReserved(order);
    const paid = replies.paymentAuthorized(order);
    const result = await deliverToOrder(points, stock, paid, stock, points);
    expect(result.explicitAcks).toHaveLength(5);
    await deliverToOrder(stock, points, paid);
    expect((await getOrder(order.id)).status).toBe("CONFIRMED");
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderConfirmed"]);
  });

  it("confirms an order without points on its stock and card answers alone", async () => {
    const order = await placeOrder("no-points", lines);
    await deliverToOrder(replies.paymentAuthorized(order));
    expect((await getOrder(order.id)).status).toBe("PENDING");
    await deliverToOrder(replies.stockReserved(order));
    expect(await getOrder(order.id)).toMatchObject({
      status: "CONFIRMED",
      pointsRedeemed: 0,
      pointsEarned: 100,
    });
    const [event] = await decisions(order.id);
    expect(event).toMatchObject({
      type: "OrderConfirmed",
      sequence: 3,
      payload: { pointsEarned: 100 },
    });
    // A (0-point) PointsReserved from rewards changes nothing.
    await deliverToOrder(replies.pointsReserved(order));
    expect(await decisions(order.id)).toHaveLength(1);
    expect((await orderRow(order.id))?.points_state).toBe("NOT_NEEDED");
  });

  it.each(["OUT_OF_STOCK", "UNKNOWN_PRODUCT"] as const)(
    "stock failure %s -> REJECTED with that reason and OrderRejected",
    async (reason) => {
      const order = await placeOrder(`stock-fail-${reason}`, lines, 75);
      const failure = replies.stockFailed(order, reason);
      await deliverToOrder(failure);
      expect(await getOrder(order.id)).toMatchObject({
        status: "REJECTED",
        rejectionReason: reason,
        pointsEarned: 0,
      });
      const events = await decisions(order.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: "OrderRejected",
        correlationId: order.id,
        causationId: failure.id,
        sequence: 2,
        payload: { orderId: order.id, customerId: order.customerId, reason },
      });
      // Rewards answering late changes nothing.
      await deliverToOrder(replies.pointsReserved(order));
      expect(await decisions(order.id)).toHaveLength(1);
      expect((await getOrder(order.id)).status).toBe("REJECTED");
    },
  );

  it("points failure after stock was reserved -> REJECTED (INSUFFICIENT_POINTS)", async () => {
    const order = await placeOrder("points-fail", lines, 75);
    await deliverToOrder(replies.stockReserved(order));
    await deliverToOrder(replies.pointsFailed(order));
    expect(await getOrder(order.id)).toMatchObject({
      status: "REJECTED",
      rejectionReason: "INSUFFICIENT_POINTS",
    });
    expect(await orderRow(order.id)).toMatchObject({
      stock_state: "RESERVED",
      points_state: "FAILED",
    });
    expect((await decisions(order.id)).map((e) => [e.type, e.payload.reason])).toEqual([
      ["OrderRejected", "INSUFFICIENT_POINTS"],
    ]);
  });

  it("both participants fail -> one OrderRejected", async () => {
    const order = await placeOrder("both-fail", lines, 75);
    await deliverToOrder(replies.pointsFailed(order));
    await deliverToOrder(replies.stockFailed(order));
    expect(await getOrder(order.id)).toMatchObject({
      status: "REJECTED",
      rejectionReason: "INSUFFICIENT_POINTS",
    });
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderRejected"]);
  });

  it("a reply after the order was cancelled is ignored", async () => {
    const order = await placeOrder("cancelled-first", lines, 75);
    const cancel = { method: "POST", headers: asCustomer("cancelled-first") };
    expect((await call(`/orders/${order.id}/cancel`, cancel)).status).toBe(202);
    const result = await deliverToOrder(
      replies.stockReserved(order),
      replies.pointsReserved(order),
    );
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    expect((await getOrder(order.id)).status).toBe("CANCELLED");
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderCancelled"]);
    expect((await orderRow(order.id))?.version).toBe(2);
    // Stale replies are still marked processed.
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE correlation_id = ?", order.id)).toBe(
      2,
    );
  });

  it("a confirmation is never repeated: the same reply redelivered, or a second reply with a new id", async () => {
    const order = await placeOrder("dupes", lines);
    const stock = replies.stockReserved(order);
    await deliverToOrder(replies.paymentAuthorized(order));
    await deliverToOrder(stock);
    await deliverToOrder(stock);
    await deliverToOrder(replies.stockReserved(order));
    await deliverToOrder(replies.stockFailed(order));
    expect((await getOrder(order.id)).status).toBe("CONFIRMED");
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderConfirmed"]);
    expect((await orderRow(order.id))?.version).toBe(3);
  });

  it("a reply for an unknown order is acked and kept for it (self-read), nothing else changes", async () => {
    const ghost: Order = {
      id: "0190a000-0000-7000-8000-00000000dead",
      customerId: "ghost",
      status: "PENDING",
      items: [{ sku: "lamp", quantity: 1, unitPriceCents: 1 }],
      totalCents: 1,
      pointsRedeemed: 0,
      pointsEarned: 0,
      rejectionReason: null,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const outboxBefore = await count("SELECT COUNT(*) AS n FROM outbox");
    const result = await deliverToOrder(
      replies.stockReserved(ghost),
      replies.pointsFailed(ghost),
      replies.pointsAwarded(ghost, 1),
    );
    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toEqual([]);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE id = ?", ghost.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM outbox")).toBe(outboxBefore);
    // The two answers wait for the order; PointsAwarded is no answer and is not kept.
    expect(
      await count("SELECT COUNT(*) AS n FROM early_replies WHERE order_id = ?", ghost.id),
    ).toBe(2);
    expect(await count("SELECT COUNT(*) AS n FROM dead_letters")).toBe(0);
  });

  it("concurrent stock, points and card deliveries -> exactly one OrderConfirmed", async () => {
    for (let round = 0; round < 5; round++) {
      const order = await placeOrder(`race-${round}`, lines, 75);
      const results = await Promise.all([
        deliverToOrder(replies.stockReserved(order)),
        deliverToOrder(replies.pointsReserved(order)),
        deliverToOrder(replies.paymentAuthorized(order)),
      ]);
      for (const result of results) expect(result.retryMessages).toEqual([]);
      expect((await getOrder(order.id)).status).toBe("CONFIRMED");
      expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderConfirmed"]);
      expect((await history(order.id)).map((t) => t.version)).toEqual([1, 2, 3, 4]);
    }
  });

  it("concurrent success and failure -> exactly one decision, consistent with the state", async () => {
    for (let round = 0; round < 5; round++) {
      const order = await placeOrder(`mixed-race-${round}`, lines, 75);
      await Promise.all([
        deliverToOrder(replies.stockReserved(order)),
        deliverToOrder(replies.pointsFailed(order)),
        deliverToOrder(replies.pointsFailed(order)),
      ]);
      expect(await getOrder(order.id)).toMatchObject({
        status: "REJECTED",
        rejectionReason: "INSUFFICIENT_POINTS",
      });
      expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderRejected"]);
    }
  });
});

describe("PointsAwarded", () => {
  it("records when points were awarded, once, without changing the status", async () => {
    const order = await placeOrder("awarded", lines);
    await deliverToOrder(replies.paymentAuthorized(order));
    await deliverToOrder(replies.stockReserved(order));
    const awarded = replies.pointsAwarded(order, 100);
    await deliverToOrder(awarded);
    const row = await orderRow(order.id);
    expect(row).toMatchObject({ status: "CONFIRMED", version: 4 });
    expect(row?.points_awarded_at).toEqual(expect.any(Number));
    await deliverToOrder(awarded);
    await deliverToOrder(replies.pointsAwarded(order, 100));
    expect(await orderRow(order.id)).toEqual(row);
    expect((await history(order.id)).at(-1)).toMatchObject({
      version: 4,
      toStatus: "CONFIRMED",
      change: "PointsAwarded",
      cause: awarded.id,
    });
    expect((await decisions(order.id)).map((e) => e.type)).toEqual(["OrderConfirmed"]);
  });

  it("is recorded for a cancelled order too, which stays CANCELLED", async () => {
    const order = await placeOrder("awarded-cancelled", lines);
    await deliverToOrder(replies.stockReserved(order));
    await call(`/orders/${order.id}/cancel`, {
      method: "POST",
      headers: asCustomer("awarded-cancelled"),
    });
    await deliverToOrder(replies.pointsAwarded(order, 100));
    expect(await orderRow(order.id)).toMatchObject({
      status: "CANCELLED",
      points_awarded_at: expect.any(Number),
    });
  });
});

describe("ProductUpserted", () => {
  const upsert = (
    sku: string,
    sequence: number,
    priceCents: number,
    name = `${sku} v${sequence}`,
  ) =>
    catalog.create("ProductUpserted", {
      aggregateType: "product",
      aggregateId: sku,
      correlationId: sku,
      causationId: "admin",
      sequence,
      payload: { sku, name, price: { amountCents: priceCents, currency: "USD" } },
    });
  /** What an inventory deployed before version 2 wrote, and what may still be in flight. */
  const upsertV1 = (sku: string, sequence: number, payload: unknown, occurredAt?: Date) =>
    createEnvelope({
      type: "ProductUpserted",
      version: 1,
      source: "inventory",
      aggregateType: "product",
      aggregateId: sku,
      correlationId: sku,
      causationId: "admin",
      sequence,
      occurredAt,
      payload,
    });

  async function product(sku: string) {
    const { env } = await import("cloudflare:workers");
    return env.DB.prepare("SELECT name, price_cents, version FROM catalog_products WHERE sku = ?")
      .bind(sku)
      .first();
  }

  it("adds a product to the replica, which prices new orders", async () => {
    await deliverToOrder(upsert("desk", 1, 20_000));
    expect(await product("desk")).toEqual({ name: "desk v1", price_cents: 20_000, version: 1 });
    expect((await placeOrder("desk-buyer", [{ sku: "desk", quantity: 2 }])).totalCents).toBe(
      40_000,
    );
  });

  it("newer wins: a late older event does not overwrite a newer one", async () => {
    await deliverToOrder(upsert("chair", 3, 9_000));
    await deliverToOrder(upsert("chair", 2, 7_000), upsert("chair", 1, 5_000));
    expect(await product("chair")).toEqual({ name: "chair v3", price_cents: 9_000, version: 3 });
    await deliverToOrder(upsert("chair", 4, 9_500));
    expect(await product("chair")).toEqual({ name: "chair v4", price_cents: 9_500, version: 4 });
  });

  it("converges to the newest whatever the arrival order, duplicates included", async () => {
    const events = [1, 2, 3, 4].map((v) => upsert("shelf", v, v * 100));
    await deliverToOrder(events[2], events[0], events[3], events[3], events[1], events[2]);
    expect(await product("shelf")).toEqual({ name: "shelf v4", price_cents: 400, version: 4 });
  });

  describe("version 1 (upcast by the catalog)", () => {
    async function replica(sku: string) {
      const { env } = await import("cloudflare:workers");
      return env.DB.prepare(
        "SELECT name, price_cents, version, updated_at FROM catalog_products WHERE sku = ?",
      )
        .bind(sku)
        .first();
    }

    it("updates the replica exactly as the same product sent as version 2", async () => {
      const at = new Date("2026-11-25T08:00:00.000Z");
      const v1 = upsertV1("vase-1", 3, { sku: "vase-1", name: "Vase", priceCents: 1_999 }, at);
      const v2 = catalog.create("ProductUpserted", {
        aggregateType: "product",
        aggregateId: "vase-2",
        correlationId: "vase-2",
        causationId: "admin",
        sequence: 3,
        occurredAt: at,
        payload: { sku: "vase-2", name: "Vase", price: { amountCents: 1_999, currency: "USD" } },
      });
      expect(v2.version).toBe(2);
      await deliverToOrder(JSON.parse(JSON.stringify(v1)), JSON.parse(JSON.stringify(v2)));
      const expected = { name: "Vase", price_cents: 1_999, version: 3, updated_at: at.getTime() };
      expect(await replica("vase-1")).toEqual(expected);
      expect(await replica("vase-2")).toEqual(expected);
      expect(
        await count("SELECT COUNT(*) AS n FROM inbox WHERE event_id IN (?, ?)", v1.id, v2.id),
      ).toBe(2);
      expect(
        await count(
          "SELECT COUNT(*) AS n FROM dead_letters WHERE event_id IN (?, ?)",
          v1.id,
          v2.id,
        ),
      ).toBe(0);
      expect((await placeOrder("vase-buyer", [{ sku: "vase-1", quantity: 2 }])).totalCents).toBe(
        3_998,
      );
    });

    it("mixes with version 2 by sequence, duplicates included: newest wins whatever its version", async () => {
      const v1 = (sequence: number) =>
        upsertV1("urn", sequence, {
          sku: "urn",
          name: `urn v${sequence}`,
          priceCents: sequence * 100,
        });
      const newest = v1(4);
      await deliverToOrder(upsert("urn", 3, 300), newest, v1(1), upsert("urn", 2, 200), newest);
      expect(await product("urn")).toEqual({ name: "urn v4", price_cents: 400, version: 4 });
      await deliverToOrder(upsert("urn", 5, 550));
      expect(await product("urn")).toEqual({ name: "urn v5", price_cents: 550, version: 5 });
    });

    it("dead-letters a version 1 payload that breaks the version 1 schema, with the reason", async () => {
      const bad = upsertV1("jug", 1, { sku: "jug", name: "Jug", priceCents: -5 });
      await deliverToOrder(bad);
      expect(await product("jug")).toBeNull();
      const { env } = await import("cloudflare:workers");
      const letter = await env.DB.prepare("SELECT reason FROM dead_letters WHERE event_id = ?")
        .bind(bad.id)
        .first<{ reason: string }>();
      expect(letter?.reason).toMatch(/^invalid ProductUpserted v1 payload: priceCents/);
    });
  });
});
