import { env } from "cloudflare:workers";
import type { Order } from "@edge-saga/contracts";
import { asAdmin, asCustomer } from "@edge-saga/kit-testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  count,
  deliverToOrder,
  getOrder,
  placeOrder,
  postJson,
  published,
  replies,
  seedProducts,
} from "./helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  await seedProducts([
    { sku: "apple", priceCents: 150 },
    { sku: "pear", priceCents: 99 },
    { sku: "gold", priceCents: 1_000_001 },
    ...Array.from({ length: 51 }, (_, i) => ({ sku: `bulk-${i}`, priceCents: 1 })),
  ]);
});

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = await response.json<{
    error: { code: string; message: string; details?: { path: string }[] };
  }>();
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
}

describe("POST /orders", () => {
  it("accepts the order as PENDING, priced from the catalog replica, and publishes OrderPlaced", async () => {
    const response = await postJson(
      "/orders",
      {
        customerId: "alice",
        items: [
          { sku: "pear", quantity: 3 },
          { sku: "apple", quantity: 2 },
        ],
        pointsToRedeem: 97,
      },
      { ...asCustomer("alice"), "x-request-id": "req-place-1" },
    );
    expect(response.status).toBe(202);
    const order = await response.json<Order>();
    expect(response.headers.get("Location")).toBe(`/orders/${order.id}`);
    expect(order).toEqual({
      id: expect.stringMatching(UUID),
      customerId: "alice",
      status: "PENDING",
      items: [
        { sku: "pear", quantity: 3, unitPriceCents: 99 },
        { sku: "apple", quantity: 2, unitPriceCents: 150 },
      ],
      totalCents: 597,
      pointsRedeemed: 97,
      pointsEarned: 0,
      rejectionReason: null,
      createdAt: expect.any(String),
      updatedAt: order.createdAt,
    });
    expect(await getOrder(order.id, asCustomer("alice"))).toEqual(order);

    const events = await published({ orderId: order.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "OrderPlaced",
      source: "order",
      aggregateType: "order",
      aggregateId: order.id,
      correlationId: order.id,
      causationId: "req-place-1",
      sequence: 1,
      payload: {
        orderId: order.id,
        customerId: "alice",
        items: order.items,
        totalCents: 597,
        pointsToRedeem: 97,
      },
    });

    const history = await call(`/orders/${order.id}/history`, { headers: asCustomer("alice") });
    expect(await history.json()).toEqual({
      orderId: order.id,
      transitions: [
        {
          version: 1,
          fromStatus: null,
          toStatus: "PENDING",
          change: "PlaceOrder",
          cause: "req-place-1",
          at: order.createdAt,
        },
      ],
    });
  });

  it("ignores the bench's direct-publish header unless BENCH_BASELINES_ENABLED: OrderPlaced goes through the outbox", async () => {
    expect((env as unknown as Record<string, unknown>).BENCH_BASELINES_ENABLED).toBeUndefined();
    const response = await postJson(
      "/orders",
      { customerId: "bench", items: [{ sku: "apple", quantity: 1 }] },
      { ...asCustomer("bench"), "x-bench-baseline": "direct-publish" },
    );
    expect(response.status).toBe(202);
    const order = await response.json<Order>();
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM outbox WHERE correlation_id = ? AND type = 'OrderPlaced'",
        order.id,
      ),
    ).toBe(1);
  });

  it("waits for rewards only when points are redeemed", async () => {
    const withPoints = await placeOrder("states", [{ sku: "apple", quantity: 1 }], 10);
    const without = await placeOrder("states", [{ sku: "apple", quantity: 1 }]);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM orders WHERE id = ? AND points_state = 'PENDING'",
        withPoints.id,
      ),
    ).toBe(1);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM orders WHERE id = ? AND points_state = 'NOT_NEEDED'",
        without.id,
      ),
    ).toBe(1);
    expect((await published({ orderId: without.id }))[0]?.payload.pointsToRedeem).toBe(0);
  });

  it("keeps the price it was placed at when the catalog price changes later", async () => {
    await seedProducts([{ sku: "plum", priceCents: 40 }]);
    const order = await placeOrder("prices", [{ sku: "plum", quantity: 2 }]);
    await deliverToOrder(
      (await import("@edge-saga/contracts")).catalog.create("ProductUpserted", {
        aggregateType: "product",
        aggregateId: "plum",
        correlationId: "plum",
        causationId: "t",
        sequence: 2,
        payload: { sku: "plum", name: "Plum", price: { amountCents: 55, currency: "USD" } },
      }),
    );
    expect((await getOrder(order.id)).totalCents).toBe(80);
    expect((await placeOrder("prices", [{ sku: "plum", quantity: 2 }])).totalCents).toBe(110);
  });

  it("uses a fresh causation id when the request id is missing or unusable", async () => {
    const plain = await placeOrder("cause", [{ sku: "apple", quantity: 1 }]);
    expect((await published({ orderId: plain.id }))[0]?.causationId).toMatch(UUID);
    const response = await postJson(
      "/orders",
      { customerId: "cause", items: [{ sku: "apple", quantity: 1 }] },
      { ...asCustomer("cause"), "x-request-id": "x".repeat(200) },
    );
    const order = await response.json<Order>();
    expect((await published({ orderId: order.id }))[0]?.causationId).toMatch(UUID);
  });

  it("refuses unknown products with 422 UNKNOWN_PRODUCT listing each, and writes nothing", async () => {
    const outboxBefore = await count("SELECT COUNT(*) AS n FROM outbox");
    const error = await expectError(
      await postJson(
        "/orders",
        {
          customerId: "unknown-sku",
          items: [
            { sku: "ghost", quantity: 1 },
            { sku: "apple", quantity: 1 },
            { sku: "phantom", quantity: 2 },
          ],
        },
        asCustomer("unknown-sku"),
      ),
      422,
      "UNKNOWN_PRODUCT",
    );
    expect(error.details).toEqual([
      { path: "items.0.sku", message: "unknown product ghost" },
      { path: "items.2.sku", message: "unknown product phantom" },
    ]);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = 'unknown-sku'")).toBe(
      0,
    );
    expect(await count("SELECT COUNT(*) AS n FROM outbox")).toBe(outboxBefore);
  });

  it("refuses redeeming more points than the total with 422 POINTS_EXCEED_TOTAL", async () => {
    const error = await expectError(
      await postJson(
        "/orders",
        { customerId: "greedy", items: [{ sku: "apple", quantity: 2 }], pointsToRedeem: 301 },
        asCustomer("greedy"),
      ),
      422,
      "POINTS_EXCEED_TOTAL",
    );
    expect(error.details).toEqual([{ path: "pointsToRedeem", message: "must be at most 300" }]);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = 'greedy'")).toBe(0);
    // Exactly the total is fine.
    expect((await placeOrder("greedy", [{ sku: "apple", quantity: 2 }], 300)).pointsRedeemed).toBe(
      300,
    );
  });

  it("refuses a total the events cannot carry with 422 TOTAL_TOO_LARGE", async () => {
    await expectError(
      await postJson(
        "/orders",
        { customerId: "rich", items: [{ sku: "gold", quantity: 1000 }] },
        asCustomer("rich"),
      ),
      422,
      "TOTAL_TOO_LARGE",
    );
  });

  it("accepts 50 lines and stores them all", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ sku: `bulk-${i}`, quantity: 1 + i }));
    const order = await placeOrder("bulk", items);
    expect(order.items.map((i) => i.sku)).toEqual(items.map((i) => i.sku));
    expect((await getOrder(order.id)).items).toEqual(order.items);
    expect(order.totalCents).toBe(items.reduce((sum, i) => sum + i.quantity, 0));
  });

  const valid = { customerId: "v", items: [{ sku: "apple", quantity: 1 }] };
  it.each([
    ["no items", { ...valid, items: [] }, "items"],
    [
      "51 items",
      {
        ...valid,
        items: Array.from({ length: 51 }, (_, i) => ({ sku: `bulk-${i}`, quantity: 1 })),
      },
      "items",
    ],
    [
      "duplicate skus",
      {
        ...valid,
        items: [
          { sku: "apple", quantity: 1 },
          { sku: "apple", quantity: 2 },
        ],
      },
      "items",
    ],
    ["quantity 0", { ...valid, items: [{ sku: "apple", quantity: 0 }] }, "items.0.quantity"],
    ["quantity 1001", { ...valid, items: [{ sku: "apple", quantity: 1001 }] }, "items.0.quantity"],
    [
      "fractional quantity",
      { ...valid, items: [{ sku: "apple", quantity: 1.5 }] },
      "items.0.quantity",
    ],
    ["negative points", { ...valid, pointsToRedeem: -1 }, "pointsToRedeem"],
    ["an unknown field", { ...valid, coupon: "FREE" }, "(root)"],
    [
      "an unknown field in a line",
      { ...valid, items: [{ sku: "apple", quantity: 1, price: 1 }] },
      "items.0",
    ],
    ["a bad customer id", { ...valid, customerId: "has space" }, "customerId"],
    ["a bad sku", { ...valid, items: [{ sku: "a/b", quantity: 1 }] }, "items.0.sku"],
  ])("refuses %s with 400 VALIDATION_FAILED", async (_name, body, path) => {
    const error = await expectError(
      await postJson("/orders", body, asCustomer("v")),
      400,
      "VALIDATION_FAILED",
    );
    expect(error.details?.map((d) => d.path)).toContain(path);
    expect(await count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = 'v'")).toBe(0);
  });

  it("refuses an admin that names no customer with 400 VALIDATION_FAILED, writing nothing", async () => {
    const outboxBefore = await count("SELECT COUNT(*) AS n FROM outbox");
    const error = await expectError(
      await postJson("/orders", { items: valid.items }, asAdmin()),
      400,
      "VALIDATION_FAILED",
    );
    expect(error.details?.map((d) => d.path)).toEqual(["customerId"]);
    expect(await count("SELECT COUNT(*) AS n FROM outbox")).toBe(outboxBefore);
  });

  it("refuses malformed JSON with 400 MALFORMED_JSON", async () => {
    await expectError(
      await postJson("/orders", '{"customerId": "v", ', asCustomer("v")),
      400,
      "MALFORMED_JSON",
    );
  });
});

describe("GET /orders/{id}", () => {
  it("answers 404 NOT_FOUND for an unknown order and 400 for an invalid id", async () => {
    const headers = asCustomer("alice");
    await expectError(
      await call("/orders/0190a000-0000-7000-8000-000000000000", { headers }),
      404,
      "NOT_FOUND",
    );
    await expectError(await call("/orders/no%20such", { headers }), 400, "VALIDATION_FAILED");
    await expectError(await call("/orders/nope/history", { headers }), 404, "NOT_FOUND");
  });
});

describe("GET /orders", () => {
  it("pages through a customer's orders newest first with a cursor", async () => {
    const placed: Order[] = [];
    for (let i = 0; i < 25; i++)
      placed.push(await placeOrder("pager", [{ sku: "apple", quantity: 1 + i }]));
    await placeOrder("someone-else", [{ sku: "apple", quantity: 1 }]);
    const newestFirst = placed.map((o) => o.id).reverse();

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/orders?limit=10${cursor ? `&cursor=${cursor}` : ""}`;
      const response = await call(query, { headers: asCustomer("pager") });
      expect(response.status).toBe(200);
      const page = await response.json<{ orders: Order[]; nextCursor: string | null }>();
      pageSizes.push(page.orders.length);
      seen.push(...page.orders.map((o) => o.id));
      if (page.nextCursor) expect(page.nextCursor).toBe(page.orders.at(-1)?.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pageSizes).toEqual([10, 10, 5]);
    expect(seen).toEqual(newestFirst);

    const first = await (
      await call("/orders?customerId=pager&limit=1", { headers: asCustomer("pager") })
    ).json<{
      orders: Order[];
    }>();
    expect(first.orders[0]).toEqual(placed.at(-1));
  });

  it("defaults to 20 per page and returns nextCursor null on the last page", async () => {
    for (let i = 0; i < 3; i++) await placeOrder("small", [{ sku: "pear", quantity: 1 }]);
    const page = await (await call("/orders", { headers: asCustomer("small") })).json<{
      orders: Order[];
      nextCursor: string | null;
    }>();
    expect(page.orders).toHaveLength(3);
    expect(page.nextCursor).toBeNull();
    const none = await (await call("/orders", { headers: asCustomer("nobody") })).json();
    expect(none).toEqual({ orders: [], nextCursor: null });
  });

  it.each([
    ["an admin's without customerId", "/orders", "customerId"],
    ["limit 0", "/orders?customerId=a&limit=0", "limit"],
    ["limit 101", "/orders?customerId=a&limit=101", "limit"],
    ["a bad cursor", "/orders?customerId=a&cursor=not%20an%20id", "cursor"],
  ])("refuses %s with 400", async (_name, path, field) => {
    const error = await expectError(
      await call(path, { headers: asAdmin() }),
      400,
      "VALIDATION_FAILED",
    );
    expect(error.details?.map((d) => d.path)).toContain(field);
  });
});

/** The cancel request as `customerId` sends it. */
const cancelAs = (customerId: string): RequestInit => ({
  method: "POST",
  headers: asCustomer(customerId),
});

describe("POST /orders/{id}/cancel", () => {
  it("cancels a PENDING order and publishes OrderCancelled", async () => {
    const order = await placeOrder("canceller", [{ sku: "apple", quantity: 1 }]);
    const response = await call(`/orders/${order.id}/cancel`, {
      method: "POST",
      headers: { ...asCustomer("canceller"), "x-request-id": "req-cancel" },
    });
    expect(response.status).toBe(202);
    const cancelled = await response.json<Order>();
    expect(cancelled).toMatchObject({ id: order.id, status: "CANCELLED", items: order.items });
    expect(await getOrder(order.id)).toEqual(cancelled);
    const events = await published({ orderId: order.id, type: "OrderCancelled" });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      aggregateType: "order",
      correlationId: order.id,
      causationId: "req-cancel",
      sequence: 2,
      payload: { orderId: order.id, customerId: "canceller", previousStatus: "PENDING" },
    });
  });

  it("cancels a CONFIRMED order, naming CONFIRMED as the previous status", async () => {
    const order = await placeOrder("canceller", [{ sku: "apple", quantity: 1 }]);
    await deliverToOrder(replies.stockReserved(order), replies.paymentAuthorized(order));
    expect((await getOrder(order.id)).status).toBe("CONFIRMED");
    const response = await call(`/orders/${order.id}/cancel`, cancelAs("canceller"));
    expect(response.status).toBe(202);
    expect((await response.json<Order>()).status).toBe("CANCELLED");
    const [event] = await published({ orderId: order.id, type: "OrderCancelled" });
    expect(event?.payload.previousStatus).toBe("CONFIRMED");
    expect(event?.sequence).toBe(4);
  });

  it("refuses to cancel a REJECTED or already CANCELLED order with 409 INVALID_STATE", async () => {
    const rejected = await placeOrder("canceller", [{ sku: "apple", quantity: 1 }]);
    await deliverToOrder(replies.stockFailed(rejected));
    await expectError(
      await call(`/orders/${rejected.id}/cancel`, cancelAs("canceller")),
      409,
      "INVALID_STATE",
    );

    const order = await placeOrder("canceller", [{ sku: "apple", quantity: 1 }]);
    expect((await call(`/orders/${order.id}/cancel`, cancelAs("canceller"))).status).toBe(202);
    await expectError(
      await call(`/orders/${order.id}/cancel`, cancelAs("canceller")),
      409,
      "INVALID_STATE",
    );
    expect(await published({ orderId: order.id, type: "OrderCancelled" })).toHaveLength(1);
    expect((await getOrder(rejected.id)).status).toBe("REJECTED");
  });

  it("answers 404 for an unknown order", async () => {
    await expectError(
      await call("/orders/unknown-order/cancel", cancelAs("canceller")),
      404,
      "NOT_FOUND",
    );
  });

  it("gives up with 409 CONFLICT when the order keeps changing under it, changing nothing", async () => {
    const order = await placeOrder("blocked", [{ sku: "apple", quantity: 1 }]);
    // A writer that took version 2 and has not updated the row yet: every cancel attempt collides.
    await env.DB.prepare(
      "INSERT INTO order_transitions (order_id, version, from_status, to_status, change, cause, at) VALUES (?, 2, 'PENDING', 'PENDING', 'Test', 'test', 0)",
    )
      .bind(order.id)
      .run();
    await expectError(
      await call(`/orders/${order.id}/cancel`, cancelAs("blocked")),
      409,
      "CONFLICT",
    );
    expect((await getOrder(order.id)).status).toBe("PENDING");
    expect(await published({ orderId: order.id, type: "OrderCancelled" })).toEqual([]);
  });

  it("races a saga reply without losing either: the order ends CANCELLED with a consistent history", async () => {
    const order = await placeOrder("racer", [{ sku: "apple", quantity: 1 }], 50);
    const [cancel] = await Promise.all([
      call(`/orders/${order.id}/cancel`, cancelAs("racer")),
      deliverToOrder(replies.stockReserved(order)),
    ]);
    expect(cancel.status).toBe(202);
    expect((await getOrder(order.id)).status).toBe("CANCELLED");
    const history = await (
      await call(`/orders/${order.id}/history`, { headers: asCustomer("racer") })
    ).json<{
      transitions: { version: number }[];
    }>();
    expect(history.transitions.map((t) => t.version)).toEqual(
      history.transitions.map((_, i) => i + 1),
    );
  });
});

describe("every route acts only for its caller", () => {
  const apple = [{ sku: "apple", quantity: 1 }];
  const outboxRows = () => count("SELECT COUNT(*) AS n FROM outbox");
  const ordersOf = (customerId: string) =>
    count("SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?", customerId);
  /** What a refused call must leave as it was: the order, its history and its events. */
  const footprint = async (id: string) => ({
    order: await getOrder(id),
    transitions: await count("SELECT COUNT(*) AS n FROM order_transitions WHERE order_id = ?", id),
    events: (await published({ orderId: id })).map((e) => e.type),
  });

  it("answers 401 UNAUTHENTICATED without a caller on every route, writing nothing", async () => {
    const order = await placeOrder("anon-victim", apple);
    const before = await footprint(order.id);
    const outbox = await outboxRows();
    const refusals = [
      await postJson("/orders", { customerId: "anon", items: apple }),
      await postJson("/orders", { customerId: "anon", items: apple }, { "Idempotency-Key": "k" }),
      await call("/orders?customerId=anon-victim"),
      await call(`/orders/${order.id}`),
      await call(`/orders/${order.id}/history`),
      await call(`/orders/${order.id}/cancel`, { method: "POST" }),
      // A malformed caller is no caller.
      await call(`/orders/${order.id}`, { headers: { "x-edge-saga-caller": "customer:a b" } }),
    ];
    for (const response of refusals) {
      const error = await expectError(response, 401, "UNAUTHENTICATED");
      expect(error.message).toEqual(expect.any(String));
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect(await ordersOf("anon")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key LIKE '%/k'")).toBe(0);
    expect(await outboxRows()).toBe(outbox);
    expect(await footprint(order.id)).toEqual(before);
  });

  it("refuses a body customerId of another customer with 403 FORBIDDEN, writing nothing", async () => {
    const outbox = await outboxRows();
    for (const headers of [{}, { "Idempotency-Key": "k-forbidden" }] as Record<string, string>[]) {
      await expectError(
        await postJson(
          "/orders",
          { customerId: "victim-403", items: apple, pointsToRedeem: 100 },
          { ...asCustomer("mallory"), ...headers },
        ),
        403,
        "FORBIDDEN",
      );
    }
    expect(await ordersOf("victim-403")).toBe(0);
    expect(await ordersOf("mallory")).toBe(0);
    expect(
      await count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE key LIKE '%k-forbidden'"),
    ).toBe(0);
    expect(await outboxRows()).toBe(outbox);
  });

  it("places for the caller: her own customerId or none is her order, its event names her", async () => {
    const named = await postJson(
      "/orders",
      { customerId: "carol", items: apple },
      asCustomer("carol"),
    );
    const unnamed = await postJson("/orders", { items: apple }, asCustomer("carol"));
    for (const response of [named, unnamed]) {
      expect(response.status).toBe(202);
      const order = await response.json<Order>();
      expect(order.customerId).toBe("carol");
      const [event] = await published({ orderId: order.id, type: "OrderPlaced" });
      expect(event?.payload.customerId).toBe("carol");
    }
  });

  it("answers another customer's order on get, history and cancel exactly as a missing one: 404", async () => {
    const order = await placeOrder("alice-404", apple, 50);
    const missing = "0190a000-0000-7000-8000-00000000beef";
    const before = await footprint(order.id);
    const outbox = await outboxRows();
    for (const [path, init] of [
      ["", {}],
      ["/history", {}],
      ["/cancel", { method: "POST" }],
    ] as const) {
      const asBob = await call(`/orders/${order.id}${path}`, {
        ...init,
        headers: asCustomer("bob"),
      });
      const none = await call(`/orders/${missing}${path}`, { ...init, headers: asCustomer("bob") });
      expect(asBob.status).toBe(404);
      expect(none.status).toBe(404);
      // The same answer with one id for the other: nothing tells an order of hers from none.
      expect(await asBob.text()).toBe((await none.text()).replaceAll(missing, order.id));
    }
    // The refused cancel wrote nothing: status, history and events as they were, no outbox row.
    expect(await footprint(order.id)).toEqual(before);
    expect(before.order.status).toBe("PENDING");
    expect(await outboxRows()).toBe(outbox);
    // Her own cancel still works afterwards.
    expect((await call(`/orders/${order.id}/cancel`, cancelAs("alice-404"))).status).toBe(202);
  });

  it("lists only the caller's orders; asking for another customer's list is 403", async () => {
    const hers = await placeOrder("alice-list", apple);
    const his = await placeOrder("bob-list", apple);
    const page = await (await call("/orders", { headers: asCustomer("alice-list") })).json<{
      orders: Order[];
    }>();
    expect(page.orders.map((o) => o.id)).toEqual([hers.id]);
    const bobs = await (await call("/orders", { headers: asCustomer("bob-list") })).json<{
      orders: Order[];
    }>();
    expect(bobs.orders.map((o) => o.id)).toEqual([his.id]);
    await expectError(
      await call("/orders?customerId=bob-list", { headers: asCustomer("alice-list") }),
      403,
      "FORBIDDEN",
    );
  });

  it("an admin reads, lists, places for and cancels any customer's order", async () => {
    const order = await placeOrder("alice-admin", apple);
    expect(await getOrder(order.id, asAdmin())).toEqual(order);
    const history = await call(`/orders/${order.id}/history`, { headers: asAdmin() });
    expect(history.status).toBe(200);
    const list = await (await call("/orders?customerId=alice-admin", { headers: asAdmin() })).json<{
      orders: Order[];
    }>();
    expect(list.orders.map((o) => o.id)).toEqual([order.id]);

    const forHer = await postJson(
      "/orders",
      { customerId: "alice-admin", items: apple },
      asAdmin(),
    );
    expect(forHer.status).toBe(202);
    expect((await forHer.json<Order>()).customerId).toBe("alice-admin");

    const cancelled = await call(`/orders/${order.id}/cancel`, {
      method: "POST",
      headers: asAdmin(),
    });
    expect(cancelled.status).toBe(202);
    expect((await getOrder(order.id, asCustomer("alice-admin"))).status).toBe("CANCELLED");
    expect(await published({ orderId: order.id, type: "OrderCancelled" })).toHaveLength(1);
  });
});
